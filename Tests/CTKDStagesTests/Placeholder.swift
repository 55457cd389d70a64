// Tests for CTKDStages arrive with the module's first capability.
