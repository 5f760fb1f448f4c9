-- Conventions Kazakhstan is party to or relates to, with status and who said so.
SELECT c.treaty_number, c.title, c.short_title, m.status, n.speaker AS according_to, m.evidence
FROM memberships m
JOIN conventions c ON c.convention_id = m.convention_id
LEFT JOIN statements_named n ON n.statement_id = m.statement_id
WHERE m.member_organization_id = 'kazakhstan' AND c.kind = 'treaty'
ORDER BY m.status, c.treaty_number;
