-- PostgreSQL grants EXECUTE on every new function to PUBLIC. The spec format can grant but not
-- revoke, so this file takes EXECUTE away from PUBLIC for the SECURITY DEFINER functions; the
-- specs grant it back to ecommerce_app where the application needs it. (Trigger functions cannot
-- be called directly anyway; they are listed so that no definer function stays open to PUBLIC.)
REVOKE EXECUTE ON FUNCTION public.app_current_user_role() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.app_is_admin() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.app_order_has_seller(uuid) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.record_product_view(uuid) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.notify_user(uuid, varchar, varchar, text, jsonb, varchar) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.audit_row_change() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.seller_profiles_refresh_rating() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.products_refresh_rating() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.products_touch_seller() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.carts_refresh_subtotal() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.cart_items_touch_cart() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.order_items_set_seller() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.order_items_adjust_stock() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.payout_items_check_seller() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.reviews_refresh_helpfulness() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.reviews_touch_product() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.review_helpfulness_touch_review() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.coupons_refresh_used_count() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.coupon_usage_enforce_limits() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.coupon_usage_touch_coupon() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.app_product_commission_rate(uuid) FROM PUBLIC;
