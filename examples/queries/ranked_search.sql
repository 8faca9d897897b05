-- Ranked product search with highlighting.
-- Parameters ($n placeholders: bind them from the driver, or PREPARE ... / EXECUTE in psql):
--   $1 text  the user's search text, e.g. 'wireless headphones -case' (websearch syntax:
--            quoted phrases, OR, -exclusion)
-- Index: products_search_idx (GIN on products.search_vector, kept by products_search_vector).
-- Reads catalog_products (the published catalog, owner's rights): under row-level security the
-- non-leakproof @@ operator could not be an index condition on products itself.
-- Run as: ecommerce_app (any visitor; app.user_id may be unset).
-- The 20 best matches are picked first; ts_headline, which re-parses the documents, then runs
-- on those 20 rows only. The name is short: it is shown whole with every match highlighted
-- (HighlightAll; the seed's 'MaxWords=10, MinWords=1' cut it down to the matched word alone);
-- the description is cut to a 5-20 word fragment around the matches.
SELECT hit.id,
       hit.slug,
       hit.name,
       hit.price,
       hit.average_rating,
       hit.relevance,
       ts_headline('english', hit.name, hit.query, 'HighlightAll=true') AS highlighted_name,
       ts_headline('english', coalesce(hit.description, ''), hit.query, 'MaxWords=20, MinWords=5')
         AS highlighted_description
FROM (
  SELECT p.id, p.slug, p.name, p.description, p.price, p.average_rating, q.query,
         ts_rank(p.search_vector, q.query) AS relevance
  FROM catalog_products AS p,
       websearch_to_tsquery('english', $1) AS q(query)
  WHERE p.search_vector @@ q.query
    AND p.status = 'active'
    AND p.deleted_at IS NULL
  ORDER BY relevance DESC, p.average_rating DESC, p.id
  LIMIT 20
) AS hit
ORDER BY hit.relevance DESC, hit.average_rating DESC, hit.id;
