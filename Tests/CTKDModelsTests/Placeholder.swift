// Tests for CTKDModels arrive with the module's first capability.
