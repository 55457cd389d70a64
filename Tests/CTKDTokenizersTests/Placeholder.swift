// Tests for CTKDTokenizers arrive with the module's first capability.
