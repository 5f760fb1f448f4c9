-- Every figure reported in a statement, with its speaker and the evidence.
SELECT speaker, quantity, unit, summary, evidence
FROM statements_named
WHERE quantity IS NOT NULL
ORDER BY speaker, quantity DESC;
