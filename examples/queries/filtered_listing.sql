-- Catalog listing, newest first, with filters and keyset pagination.
-- Parameters ($n placeholders: bind them from the driver, or PREPARE ... / EXECUTE in psql):
--   $1 uuid         category id
--   $2 numeric      minimum price
--   $3 numeric      maximum price
--   $4 timestamptz  created_at of the last row of the previous page ('infinity' for the first page)
--   $5 uuid         id of the last row of the previous page
--                   ('ffffffff-ffff-ffff-ffff-ffffffffffff' for the first page)
-- Run as: ecommerce_app (any visitor; app.user_id may be unset).
-- Index: products_category_listing_idx (category_id, created_at DESC, id DESC)
--        WHERE status = 'active' AND deleted_at IS NULL - rows come off the index in page order,
--        and the scan stops after 20 matches.
-- Plan with the parameter values (a custom plan): bind-only execution does, and so does a prepared
-- statement for its first five runs. A generic plan cannot know the price range and assumes it
-- holds 0.5 % of the rows, so it takes products_category_status_price_idx and sorts every match:
-- for a server-side prepared statement use SET plan_cache_mode = force_custom_plan (psycopg
-- prepares a query it has run 5 times: prepare=False, or prepare_threshold=None, avoids that).
-- Keyset pagination (a row comparison in index order, usable as an index condition) reads only
-- one page per request, unlike LIMIT/OFFSET, which reads and throws away every earlier page.
-- For "all categories" drop the category_id condition: products_live_listing_idx (status, created_at DESC, id DESC)
-- WHERE deleted_at IS NULL serves that form.
-- Reads catalog_products (the published catalog, owner's rights): under row-level security the
-- non-leakproof price and row comparisons could not be index conditions on products itself.
SELECT p.id,
       p.slug,
       p.name,
       p.short_description,
       p.price,
       p.compare_price,
       p.average_rating,
       p.review_count,
       p.created_at,
       u.name AS seller_name,
       c.name AS category_name
FROM catalog_products AS p
LEFT JOIN users_safe AS u ON u.id = p.seller_id
LEFT JOIN categories AS c ON c.id = p.category_id
WHERE p.status = 'active'
  AND p.deleted_at IS NULL
  AND p.category_id = $1
  AND p.price BETWEEN $2 AND $3
  AND (p.created_at, p.id) < ($4::timestamptz, $5::uuid)
ORDER BY p.created_at DESC, p.id DESC
LIMIT 20;  -- the page size

-- Total for "n results" (same filters; counts every match, so cache it or show "20+" instead).
-- Parameters: $1, $2, $3 as above.
-- Index: products_category_status_price_idx (category_id, status, price) - one range scan.
SELECT count(*)
FROM catalog_products AS p
WHERE p.status = 'active'
  AND p.deleted_at IS NULL
  AND p.category_id = $1
  AND p.price BETWEEN $2 AND $3;
