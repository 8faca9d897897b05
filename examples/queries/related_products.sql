-- Related products: the best rated published products of the same category.
-- Parameters ($n placeholders: bind them from the driver, or PREPARE ... / EXECUTE in psql):
--   $1 uuid  the product being viewed
-- Run as: ecommerce_app (any visitor; app.user_id may be unset).
-- Index: products_related_idx (category_id, average_rating DESC, view_count DESC)
--        WHERE status = 'active' AND deleted_at IS NULL - the top 8 come straight off the index.
-- Reads catalog_products, the published catalog (see ranked_search.sql).
-- products.average_rating is kept from APPROVED reviews by triggers, so no join with reviews and
-- no GROUP BY is needed; unrated products have 0 and sort last (AVG over no rows would be NULL,
-- which DESC puts first in PostgreSQL).
SELECT p.id,
       p.slug,
       p.name,
       p.price,
       p.average_rating,
       p.review_count,
       p.view_count
FROM catalog_products AS p
WHERE p.category_id = (SELECT viewed.category_id FROM catalog_products AS viewed WHERE viewed.id = $1)
  AND p.id <> $1
  AND p.status = 'active'
  AND p.deleted_at IS NULL
ORDER BY p.average_rating DESC, p.view_count DESC, p.id  -- ties in a stable order
LIMIT 8;
