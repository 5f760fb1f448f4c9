-- The organization hierarchy, indented: states, bodies, delegations and their parents.
SELECT repeat('  ', depth) || name AS organization, classification, path
FROM organization_tree
ORDER BY path;
