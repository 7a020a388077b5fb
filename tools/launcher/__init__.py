"""The lucent launcher, as a package: tools/lucent is its command.

tools/README.md and tools/launcher/README.md say what each module owns.
"""
