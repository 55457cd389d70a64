// Tests for ctkdCLI arrive with the module's first capability.
