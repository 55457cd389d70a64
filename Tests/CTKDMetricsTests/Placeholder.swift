// Tests for CTKDMetrics arrive with the module's first capability.
