"""`policykit import`: a Word policy read as pandoc's tree, split into clauses and a policy, and checked."""
