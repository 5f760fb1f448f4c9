-- Kazakhstan's relations to treaties, newest state per relation: party, intends to accede,
-- invited to accede; with the start date, the source and who said so.
SELECT c.treaty_number, c.title, m.relation, m.status, m.start_date, m.as_of, m.source_id,
       n.speaker AS according_to
FROM memberships_latest m
JOIN conventions c ON c.convention_id = m.convention_id
LEFT JOIN statements_named n ON n.statement_id = m.statement_id
WHERE m.member_organization_id = 'kazakhstan' AND c.kind = 'treaty'
ORDER BY m.relation, c.treaty_number;
