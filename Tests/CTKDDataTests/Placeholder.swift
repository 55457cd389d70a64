// Tests for CTKDData arrive with the module's first capability.
