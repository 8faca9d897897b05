-- Top 20 products by revenue (confirmed/processing/shipped/delivered orders, without cancelled
-- or refunded items), from the product_performance view.
-- Parameters: none. Run as ecommerce_analytics (the view is security_invoker: under the
-- application role it would only count the caller's visible order items).
-- Index: order_items_product_status_idx (product_id, status) INCLUDE (order_id, quantity,
--        total_price) - the per-product sales aggregate reads every order line, and an index-only
--        scan of this covering index reads far fewer pages than the table, whose rows carry the
--        product snapshot (index-only once autovacuum has set the visibility map). The order
--        statuses come from one hash of orders.
SELECT name,
       seller_name,
       category_name,
       total_sold,
       total_revenue,
       average_rating,
       conversion_rate
FROM product_performance
WHERE total_sold > 0
ORDER BY total_revenue DESC, id  -- ties in a stable order: the same 20 rows on every server
LIMIT 20;
