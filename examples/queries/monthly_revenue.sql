-- Monthly revenue report for the last 12 months (the current month included), UTC months.
-- Parameters: none.
-- Run as: ecommerce_analytics (reads every order; under ecommerce_app a user sees only their own
-- orders, an admin all).
-- Index: orders_created_at_idx (created_at) - one range scan over the 12 months, the status list
-- filters the rows found (orders_status_created_idx would need one descent per counted status).
-- Reads orders directly instead of summing the daily sales_analytics view: revenue and order
-- counts would add up, but the average order value is not the average of daily averages and
-- distinct customers per month are not the sum of distinct customers per day.
SELECT to_char(date_trunc('month', o.created_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS month,
       sum(o.total_amount) AS monthly_revenue,
       count(*) AS monthly_orders,
       round(avg(o.total_amount), 2) AS avg_order_value,
       count(DISTINCT o.user_id) AS total_customers
FROM orders AS o
WHERE o.status IN ('confirmed', 'processing', 'shipped', 'delivered')
  AND o.created_at >= (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '11 months') AT TIME ZONE 'UTC'
GROUP BY 1
ORDER BY month DESC;
