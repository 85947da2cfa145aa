"""Intelligence: learned mixin compatibility and code-pattern feedback."""
