// Tests for CTKDLosses arrive with the module's first capability.
