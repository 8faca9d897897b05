-- Seller dashboard: orders, items and revenue per day over the last 30 days.
-- Parameters ($n placeholders: bind them from the driver, or PREPARE ... / EXECUTE in psql):
--   $1 uuid  the seller's users.id (under row-level security a seller sees only their own
--            order items anyway; the condition lets the planner use the index)
-- Run as: ecommerce_app with app.user_id = the seller.
-- Index: order_items_seller_created_status_idx (seller_id, created_at, status) - one range scan
--        over the seller's last 30 days; orders_pkey fetches each item's order.
-- Days are UTC days, as in sales_analytics. Cancelled and refunded items are not revenue.
SELECT (oi.created_at AT TIME ZONE 'UTC')::date AS order_date,
       count(DISTINCT oi.order_id) AS order_count,
       sum(oi.quantity) AS items_sold,
       sum(oi.seller_amount) AS revenue
FROM order_items AS oi
JOIN orders AS o ON o.id = oi.order_id
WHERE oi.seller_id = $1
  AND oi.created_at >= now() - interval '30 days'
  AND oi.status NOT IN ('cancelled', 'refunded')
  AND o.status IN ('confirmed', 'processing', 'shipped', 'delivered')
GROUP BY 1
ORDER BY order_date DESC;
