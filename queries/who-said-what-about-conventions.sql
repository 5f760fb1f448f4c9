-- Who said what about which convention (directly, or by claiming a relation to it).
SELECT c.treaty_number, coalesce(c.short_title, c.title) AS convention, n.speaker, n.attribution, n.act, n.summary
FROM statement_conventions sc
JOIN conventions c ON c.convention_id = sc.convention_id
JOIN statements_named n ON n.statement_id = sc.statement_id
ORDER BY c.treaty_number NULLS LAST, n.speaker, n.act;
