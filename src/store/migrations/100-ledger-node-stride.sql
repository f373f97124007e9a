-- Complete subtrees are kept for every fourth level only (src/ledger/tree-math.ts NODE_STRIDE):
-- a row per appended leaf becomes one per 15, and the reader computes any other node from at
-- most 8 stored ones. The rows of the other levels are derived data; the verifier now counts
-- stored levels only.
DELETE FROM ledger_nodes WHERE level % 4 <> 0;
