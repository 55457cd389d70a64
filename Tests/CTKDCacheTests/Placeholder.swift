// Tests for CTKDCache arrive with the module's first capability.
