-- askdb demo data set: a retail analytics database ("Northwind-style" chain of stores
-- plus a web shop), 2023-01-01 .. 2025-12-31.
--
-- Assumes an empty database; drops nothing. askdb runs this file in one transaction,
-- then demo/data.sql fills the tables. Plain SQL only (no psql meta-commands).
-- All money is in US dollars (USD).

-- ---------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------

CREATE TABLE regions (
    region_id    integer PRIMARY KEY,
    region_name  text NOT NULL UNIQUE,
    region_code  text NOT NULL UNIQUE
);
COMMENT ON TABLE regions IS 'Sales regions the company reports by (four world regions). Stores, customers and regional campaigns belong to one region.';
COMMENT ON COLUMN regions.region_id IS 'Primary key of the region.';
COMMENT ON COLUMN regions.region_name IS 'Region name: North America, Latin America, Europe or Asia Pacific.';
COMMENT ON COLUMN regions.region_code IS 'Short region code used in reports: NA, LATAM, EU, APAC.';

CREATE TABLE categories (
    category_id         integer PRIMARY KEY,
    category_name       text NOT NULL UNIQUE,
    parent_category_id  integer REFERENCES categories (category_id),
    description         text
);
COMMENT ON TABLE categories IS 'Product category tree with two levels: 7 departments (parent_category_id is NULL) and their sub-categories. Products are attached to sub-categories.';
COMMENT ON COLUMN categories.category_id IS 'Primary key of the category.';
COMMENT ON COLUMN categories.category_name IS 'Category name, e.g. Electronics (department) or Headphones (sub-category).';
COMMENT ON COLUMN categories.parent_category_id IS 'Department this sub-category belongs to (categories.category_id); NULL for a top-level department.';
COMMENT ON COLUMN categories.description IS 'Free-text description of what the category contains.';

CREATE TABLE suppliers (
    supplier_id     integer PRIMARY KEY,
    supplier_name   text NOT NULL UNIQUE,
    country         text NOT NULL,
    contact_email   text NOT NULL,
    lead_time_days  integer NOT NULL CHECK (lead_time_days > 0),
    rating          numeric(2,1) NOT NULL CHECK (rating BETWEEN 1 AND 5)
);
COMMENT ON TABLE suppliers IS 'Vendors the products are bought from.';
COMMENT ON COLUMN suppliers.supplier_id IS 'Primary key of the supplier.';
COMMENT ON COLUMN suppliers.supplier_name IS 'Supplier company name.';
COMMENT ON COLUMN suppliers.country IS 'Country the supplier ships from (English country name).';
COMMENT ON COLUMN suppliers.contact_email IS 'Purchasing contact e-mail address.';
COMMENT ON COLUMN suppliers.lead_time_days IS 'Usual days between purchase order and delivery to our warehouse.';
COMMENT ON COLUMN suppliers.rating IS 'Internal supplier quality score from 1.0 (poor) to 5.0 (excellent).';

CREATE TABLE products (
    product_id    integer PRIMARY KEY,
    sku           text NOT NULL UNIQUE,
    product_name  text NOT NULL,
    brand         text NOT NULL,
    category_id   integer NOT NULL REFERENCES categories (category_id),
    supplier_id   integer NOT NULL REFERENCES suppliers (supplier_id),
    list_price    numeric(12,2) NOT NULL CHECK (list_price > 0),
    unit_cost     numeric(12,2) NOT NULL CHECK (unit_cost > 0),
    launched_on   date NOT NULL,
    discontinued_on date,
    CHECK (discontinued_on IS NULL OR discontinued_on > launched_on)
);
COMMENT ON TABLE products IS 'Product catalog: one row per sellable article (SKU).';
COMMENT ON COLUMN products.product_id IS 'Primary key of the product.';
COMMENT ON COLUMN products.sku IS 'Stock keeping unit code, e.g. SKU-000123; unique.';
COMMENT ON COLUMN products.product_name IS 'Product name as shown to customers, including the brand.';
COMMENT ON COLUMN products.brand IS 'Brand name of the product.';
COMMENT ON COLUMN products.category_id IS 'Sub-category of the product (categories.category_id); the department is that category''s parent.';
COMMENT ON COLUMN products.supplier_id IS 'Supplier the product is bought from (suppliers.supplier_id).';
COMMENT ON COLUMN products.list_price IS 'Current (2025) list price per unit in USD, before discounts. Historical selling prices are in order_items.unit_price.';
COMMENT ON COLUMN products.unit_cost IS 'Cost of goods per unit in USD (what we pay the supplier); used for gross margin.';
COMMENT ON COLUMN products.launched_on IS 'Date the product was first available for sale.';
COMMENT ON COLUMN products.discontinued_on IS 'Date from which the product is no longer sold; NULL while the product is still active (in the catalog).';

CREATE TABLE stores (
    store_id    integer PRIMARY KEY,
    store_name  text NOT NULL UNIQUE,
    store_type  text NOT NULL CHECK (store_type IN ('flagship', 'standard', 'outlet')),
    city        text NOT NULL,
    country     text NOT NULL,
    region_id   integer NOT NULL REFERENCES regions (region_id),
    opened_on   date NOT NULL,
    size_sqm    integer NOT NULL CHECK (size_sqm > 0)
);
COMMENT ON TABLE stores IS 'Physical retail stores. Online orders have no store (orders.store_id is NULL).';
COMMENT ON COLUMN stores.store_id IS 'Primary key of the store.';
COMMENT ON COLUMN stores.store_name IS 'Store name, usually the city plus a neighbourhood.';
COMMENT ON COLUMN stores.store_type IS 'Store format: flagship (large showcase store), standard or outlet (discounted goods).';
COMMENT ON COLUMN stores.city IS 'City of the store, with its local spelling and accents (e.g. São Paulo, Zürich, Montréal, Kraków).';
COMMENT ON COLUMN stores.country IS 'Country of the store (English country name).';
COMMENT ON COLUMN stores.region_id IS 'Sales region of the store (regions.region_id).';
COMMENT ON COLUMN stores.opened_on IS 'Date the store opened; stores opened after 2023-01-01 have no sales before that date.';
COMMENT ON COLUMN stores.size_sqm IS 'Sales floor area in square metres.';

CREATE TABLE employees (
    employee_id  integer PRIMARY KEY,
    first_name   text NOT NULL,
    last_name    text NOT NULL,
    email        text NOT NULL UNIQUE,
    job_title    text NOT NULL CHECK (job_title IN ('Regional Manager', 'Store Manager', 'Assistant Manager', 'Sales Associate')),
    store_id     integer REFERENCES stores (store_id),
    manager_id   integer REFERENCES employees (employee_id),
    hire_date    date NOT NULL,
    salary       numeric(12,2) NOT NULL CHECK (salary > 0)
);
COMMENT ON TABLE employees IS 'Store staff and regional managers. Sales associates are credited with the in-store orders they rang up (orders.employee_id).';
COMMENT ON COLUMN employees.employee_id IS 'Primary key of the employee.';
COMMENT ON COLUMN employees.first_name IS 'Given name.';
COMMENT ON COLUMN employees.last_name IS 'Family name.';
COMMENT ON COLUMN employees.email IS 'Work e-mail address; unique.';
COMMENT ON COLUMN employees.job_title IS 'Role: Regional Manager, Store Manager, Assistant Manager or Sales Associate.';
COMMENT ON COLUMN employees.store_id IS 'Store the employee works in (stores.store_id); NULL for regional managers, who work at head office.';
COMMENT ON COLUMN employees.manager_id IS 'Direct manager (employees.employee_id): store staff report to their store manager, store managers to their regional manager; NULL at the top.';
COMMENT ON COLUMN employees.hire_date IS 'Date the employee joined the company.';
COMMENT ON COLUMN employees.salary IS 'Gross annual salary in USD.';

CREATE TABLE customers (
    customer_id          integer PRIMARY KEY,
    first_name           text NOT NULL,
    last_name            text NOT NULL,
    email                text NOT NULL UNIQUE,
    city                 text NOT NULL,
    country              text NOT NULL,
    region_id            integer NOT NULL REFERENCES regions (region_id),
    home_store_id        integer REFERENCES stores (store_id),
    signup_date          date NOT NULL,
    birth_date           date,
    gender               text CHECK (gender IN ('female', 'male', 'other')),
    loyalty_tier         text NOT NULL CHECK (loyalty_tier IN ('bronze', 'silver', 'gold', 'platinum')),
    marketing_opt_in     boolean NOT NULL,
    acquisition_channel  text NOT NULL CHECK (acquisition_channel IN ('organic', 'paid_search', 'social', 'referral', 'in_store', 'email'))
);
COMMENT ON TABLE customers IS 'Registered customers (loyalty programme members). Every order belongs to a customer.';
COMMENT ON COLUMN customers.customer_id IS 'Primary key of the customer; increases with signup_date.';
COMMENT ON COLUMN customers.first_name IS 'Given name.';
COMMENT ON COLUMN customers.last_name IS 'Family name.';
COMMENT ON COLUMN customers.email IS 'E-mail address; unique.';
COMMENT ON COLUMN customers.city IS 'City of the customer''s address, local spelling with accents (e.g. São Paulo, Zürich, Montréal, Kraków, Bogotá, München).';
COMMENT ON COLUMN customers.country IS 'Country of the customer''s address (English country name, e.g. Brazil, Switzerland, Canada, Poland).';
COMMENT ON COLUMN customers.region_id IS 'Sales region of the customer''s address (regions.region_id).';
COMMENT ON COLUMN customers.home_store_id IS 'Store nearest to the customer where they usually shop in person (stores.store_id); NULL when there is no store in their city.';
COMMENT ON COLUMN customers.signup_date IS 'Date the customer registered; the first order is on or after this date. Customers signed up from 2020 on.';
COMMENT ON COLUMN customers.birth_date IS 'Date of birth; NULL when not given.';
COMMENT ON COLUMN customers.gender IS 'Self-declared gender: female, male or other; NULL when not given.';
COMMENT ON COLUMN customers.loyalty_tier IS 'Current loyalty tier, from lowest to highest: bronze, silver, gold, platinum; from lifetime revenue: platinum >= 5,000 USD, gold >= 2,000, silver >= 600, else bronze.';
COMMENT ON COLUMN customers.marketing_opt_in IS 'true when the customer agreed to receive marketing e-mails.';
COMMENT ON COLUMN customers.acquisition_channel IS 'How the customer was acquired: organic, paid_search, social, referral, in_store or email.';

CREATE TABLE marketing_campaigns (
    campaign_id       integer PRIMARY KEY,
    campaign_name     text NOT NULL UNIQUE,
    channel           text NOT NULL CHECK (channel IN ('email', 'social', 'search', 'display', 'affiliate', 'tv')),
    start_date        date NOT NULL,
    end_date          date NOT NULL,
    budget            numeric(12,2) NOT NULL CHECK (budget > 0),
    target_region_id  integer REFERENCES regions (region_id),
    CHECK (end_date >= start_date)
);
COMMENT ON TABLE marketing_campaigns IS 'Marketing campaigns. Orders placed while a campaign runs may be attributed to it (orders.campaign_id).';
COMMENT ON COLUMN marketing_campaigns.campaign_id IS 'Primary key of the campaign.';
COMMENT ON COLUMN marketing_campaigns.campaign_name IS 'Campaign name, e.g. Black Friday 2024.';
COMMENT ON COLUMN marketing_campaigns.channel IS 'Main marketing channel: email, social, search, display, affiliate or tv.';
COMMENT ON COLUMN marketing_campaigns.start_date IS 'First day of the campaign (inclusive).';
COMMENT ON COLUMN marketing_campaigns.end_date IS 'Last day of the campaign (inclusive).';
COMMENT ON COLUMN marketing_campaigns.budget IS 'Total campaign spend in USD; the cost side of campaign ROI.';
COMMENT ON COLUMN marketing_campaigns.target_region_id IS 'Region the campaign targeted (regions.region_id); NULL for a global campaign.';

-- ---------------------------------------------------------------------------
-- Sales
-- ---------------------------------------------------------------------------

CREATE TABLE orders (
    order_id      integer PRIMARY KEY,
    customer_id   integer NOT NULL REFERENCES customers (customer_id),
    order_date    date NOT NULL,
    ordered_at    timestamptz NOT NULL,
    channel       text NOT NULL CHECK (channel IN ('online', 'store')),
    store_id      integer REFERENCES stores (store_id),
    employee_id   integer REFERENCES employees (employee_id),
    campaign_id   integer REFERENCES marketing_campaigns (campaign_id),
    status        text NOT NULL CHECK (status IN ('pending', 'processing', 'shipped', 'delivered', 'cancelled', 'returned')),
    shipping_fee  numeric(12,2) NOT NULL DEFAULT 0 CHECK (shipping_fee >= 0),
    CHECK ((channel = 'store') = (store_id IS NOT NULL))
);
COMMENT ON TABLE orders IS 'Customer orders (one row per checkout), online or in a store. Line items are in order_items; revenue is computed from order_items (see glossary).';
COMMENT ON COLUMN orders.order_id IS 'Primary key of the order; increases with ordered_at.';
COMMENT ON COLUMN orders.customer_id IS 'Customer who placed the order (customers.customer_id).';
COMMENT ON COLUMN orders.order_date IS 'Calendar date of the order (UTC), 2023-01-01 .. 2025-12-31. Use this column for date filters and grouping.';
COMMENT ON COLUMN orders.ordered_at IS 'Exact time the order was placed (timestamp with time zone); its UTC date is order_date.';
COMMENT ON COLUMN orders.channel IS 'Sales channel: online (web shop, delivered by a shipment) or store (bought in a physical store).';
COMMENT ON COLUMN orders.store_id IS 'Store where an in-store order was placed (stores.store_id); NULL for online orders.';
COMMENT ON COLUMN orders.employee_id IS 'Sales associate who rang up an in-store order (employees.employee_id); NULL for online orders.';
COMMENT ON COLUMN orders.campaign_id IS 'Marketing campaign the order is attributed to (marketing_campaigns.campaign_id); NULL when not attributed.';
COMMENT ON COLUMN orders.status IS 'Order status: pending, processing, shipped, delivered (completed), cancelled (never fulfilled, not revenue) or returned (all items sent back, not revenue). In-store orders are delivered at once.';
COMMENT ON COLUMN orders.shipping_fee IS 'Shipping fee charged to the customer in USD (0 for store orders and free shipping); not part of revenue.';

CREATE TABLE order_items (
    order_item_id  integer PRIMARY KEY,
    order_id       integer NOT NULL REFERENCES orders (order_id),
    line_number    integer NOT NULL CHECK (line_number > 0),
    product_id     integer NOT NULL REFERENCES products (product_id),
    quantity       integer NOT NULL CHECK (quantity > 0),
    unit_price     numeric(12,2) NOT NULL CHECK (unit_price >= 0),
    discount       numeric(4,2) NOT NULL DEFAULT 0 CHECK (discount >= 0 AND discount < 1),
    UNIQUE (order_id, line_number)
);
COMMENT ON TABLE order_items IS 'Order lines: one row per product in an order. Line revenue = quantity * unit_price * (1 - discount).';
COMMENT ON COLUMN order_items.order_item_id IS 'Primary key of the order line.';
COMMENT ON COLUMN order_items.order_id IS 'Order the line belongs to (orders.order_id).';
COMMENT ON COLUMN order_items.line_number IS 'Position of the line within its order, 1, 2, 3, ...';
COMMENT ON COLUMN order_items.product_id IS 'Product sold (products.product_id).';
COMMENT ON COLUMN order_items.quantity IS 'Number of units sold on this line.';
COMMENT ON COLUMN order_items.unit_price IS 'Selling price per unit in USD at the time of the order, before the line discount.';
COMMENT ON COLUMN order_items.discount IS 'Discount on the line as a fraction of the price: 0.00 = none, 0.15 = 15 % off.';

CREATE TABLE payments (
    payment_id      integer PRIMARY KEY,
    order_id        integer NOT NULL REFERENCES orders (order_id),
    paid_at         timestamptz NOT NULL,
    payment_method  text NOT NULL CHECK (payment_method IN ('credit_card', 'debit_card', 'paypal', 'apple_pay', 'gift_card', 'cash')),
    amount          numeric(12,2) NOT NULL,
    status          text NOT NULL CHECK (status IN ('authorized', 'captured', 'refunded', 'failed'))
);
COMMENT ON TABLE payments IS 'Payment transactions for orders. Every order has one final payment; some also have an earlier failed attempt.';
COMMENT ON COLUMN payments.payment_id IS 'Primary key of the payment.';
COMMENT ON COLUMN payments.order_id IS 'Order paid (orders.order_id).';
COMMENT ON COLUMN payments.paid_at IS 'Time of the payment transaction.';
COMMENT ON COLUMN payments.payment_method IS 'Payment method: credit_card, debit_card, paypal, apple_pay, gift_card or cash (cash only in stores).';
COMMENT ON COLUMN payments.amount IS 'Amount in USD: order lines after discount plus the shipping fee.';
COMMENT ON COLUMN payments.status IS 'authorized (order not yet shipped), captured (money collected), refunded (order cancelled or returned, money paid back) or failed (declined attempt).';

CREATE TABLE shipments (
    shipment_id      integer PRIMARY KEY,
    order_id         integer NOT NULL UNIQUE REFERENCES orders (order_id),
    carrier          text NOT NULL,
    service_level    text NOT NULL CHECK (service_level IN ('standard', 'express', 'next_day')),
    tracking_number  text NOT NULL UNIQUE,
    shipped_date     date NOT NULL,
    promised_date    date NOT NULL,
    delivered_date   date,
    carrier_cost     numeric(12,2) NOT NULL CHECK (carrier_cost >= 0)
);
COMMENT ON TABLE shipments IS 'Deliveries of online orders (at most one shipment per order). In-store orders have no shipment.';
COMMENT ON COLUMN shipments.shipment_id IS 'Primary key of the shipment.';
COMMENT ON COLUMN shipments.order_id IS 'Order shipped (orders.order_id); unique.';
COMMENT ON COLUMN shipments.carrier IS 'Delivery company, e.g. UPS, FedEx, DHL, Correios, Canada Post, Japan Post.';
COMMENT ON COLUMN shipments.service_level IS 'Delivery speed bought: standard (promised in 5 days), express (2 days) or next_day (1 day).';
COMMENT ON COLUMN shipments.tracking_number IS 'Carrier tracking number.';
COMMENT ON COLUMN shipments.shipped_date IS 'Date the parcel left the warehouse.';
COMMENT ON COLUMN shipments.promised_date IS 'Delivery date promised to the customer at checkout.';
COMMENT ON COLUMN shipments.delivered_date IS 'Date the parcel was delivered; NULL while still in transit. Late when delivered_date > promised_date.';
COMMENT ON COLUMN shipments.carrier_cost IS 'What the carrier charged us for the shipment, in USD.';

CREATE TABLE returns (
    return_id      integer PRIMARY KEY,
    order_item_id  integer NOT NULL UNIQUE REFERENCES order_items (order_item_id),
    order_id       integer NOT NULL REFERENCES orders (order_id),
    product_id     integer NOT NULL REFERENCES products (product_id),
    return_date    date NOT NULL,
    quantity       integer NOT NULL CHECK (quantity > 0),
    reason         text NOT NULL CHECK (reason IN ('damaged', 'defective', 'wrong_size', 'not_as_described', 'changed_mind', 'late_delivery')),
    refund_amount  numeric(12,2) NOT NULL CHECK (refund_amount >= 0)
);
COMMENT ON TABLE returns IS 'Returned order lines. An order whose lines were all returned has orders.status = ''returned''; partial returns leave the order delivered.';
COMMENT ON COLUMN returns.return_id IS 'Primary key of the return.';
COMMENT ON COLUMN returns.order_item_id IS 'Order line returned (order_items.order_item_id); unique.';
COMMENT ON COLUMN returns.order_id IS 'Order of the returned line (orders.order_id).';
COMMENT ON COLUMN returns.product_id IS 'Product returned (products.product_id).';
COMMENT ON COLUMN returns.return_date IS 'Date the return was received.';
COMMENT ON COLUMN returns.quantity IS 'Units returned (at most the quantity of the order line).';
COMMENT ON COLUMN returns.reason IS 'Return reason: damaged, defective, wrong_size, not_as_described, changed_mind or late_delivery.';
COMMENT ON COLUMN returns.refund_amount IS 'Amount refunded in USD = returned quantity * unit_price * (1 - discount) of the line.';

CREATE TABLE product_reviews (
    review_id    integer PRIMARY KEY,
    product_id   integer NOT NULL REFERENCES products (product_id),
    customer_id  integer NOT NULL REFERENCES customers (customer_id),
    order_id     integer NOT NULL REFERENCES orders (order_id),
    rating       integer NOT NULL CHECK (rating BETWEEN 1 AND 5),
    review_date  date NOT NULL,
    review_title text NOT NULL
);
COMMENT ON TABLE product_reviews IS 'Star ratings customers gave to products they bought.';
COMMENT ON COLUMN product_reviews.review_id IS 'Primary key of the review.';
COMMENT ON COLUMN product_reviews.product_id IS 'Product reviewed (products.product_id).';
COMMENT ON COLUMN product_reviews.customer_id IS 'Customer who wrote the review (customers.customer_id).';
COMMENT ON COLUMN product_reviews.order_id IS 'Order in which the customer bought the product (orders.order_id).';
COMMENT ON COLUMN product_reviews.rating IS 'Star rating from 1 (worst) to 5 (best).';
COMMENT ON COLUMN product_reviews.review_date IS 'Date the review was posted.';
COMMENT ON COLUMN product_reviews.review_title IS 'Short headline of the review.';

-- ---------------------------------------------------------------------------
-- Indexes on foreign keys and the dates analysts filter on
-- ---------------------------------------------------------------------------

CREATE INDEX categories_parent_category_id_idx ON categories (parent_category_id);
CREATE INDEX products_category_id_idx          ON products (category_id);
CREATE INDEX products_supplier_id_idx          ON products (supplier_id);
CREATE INDEX stores_region_id_idx              ON stores (region_id);
CREATE INDEX employees_store_id_idx            ON employees (store_id);
CREATE INDEX employees_manager_id_idx          ON employees (manager_id);
CREATE INDEX customers_region_id_idx           ON customers (region_id);
CREATE INDEX customers_home_store_id_idx       ON customers (home_store_id);
CREATE INDEX customers_city_idx                ON customers (city);
CREATE INDEX customers_signup_date_idx         ON customers (signup_date);
CREATE INDEX marketing_campaigns_target_region_id_idx ON marketing_campaigns (target_region_id);
CREATE INDEX marketing_campaigns_start_date_idx ON marketing_campaigns (start_date);
CREATE INDEX orders_customer_id_idx            ON orders (customer_id);
CREATE INDEX orders_order_date_idx             ON orders (order_date);
CREATE INDEX orders_store_id_idx               ON orders (store_id);
CREATE INDEX orders_employee_id_idx            ON orders (employee_id);
CREATE INDEX orders_campaign_id_idx            ON orders (campaign_id);
CREATE INDEX order_items_product_id_idx        ON order_items (product_id);
CREATE INDEX payments_order_id_idx             ON payments (order_id);
CREATE INDEX payments_paid_at_idx              ON payments (paid_at);
CREATE INDEX shipments_shipped_date_idx        ON shipments (shipped_date);
CREATE INDEX returns_order_id_idx              ON returns (order_id);
CREATE INDEX returns_product_id_idx            ON returns (product_id);
CREATE INDEX returns_return_date_idx           ON returns (return_date);
CREATE INDEX product_reviews_product_id_idx    ON product_reviews (product_id);
CREATE INDEX product_reviews_customer_id_idx   ON product_reviews (customer_id);
CREATE INDEX product_reviews_order_id_idx      ON product_reviews (order_id);
-- order_items (order_id, ...) is covered by its UNIQUE (order_id, line_number) index;
-- shipments.order_id and returns.order_item_id by their UNIQUE constraints.

-- ---------------------------------------------------------------------------
-- Views
-- ---------------------------------------------------------------------------

CREATE VIEW monthly_revenue AS
SELECT date_trunc('month', o.order_date)::date                              AS month,
       count(DISTINCT o.order_id)                                            AS orders,
       count(DISTINCT o.customer_id)                                         AS customers,
       sum(oi.quantity)                                                      AS units,
       round(sum(oi.quantity * oi.unit_price * (1 - oi.discount)), 2)        AS revenue,
       round(sum(oi.quantity * (oi.unit_price * (1 - oi.discount) - p.unit_cost)), 2) AS gross_margin
FROM orders o
JOIN order_items oi ON oi.order_id = o.order_id
JOIN products p     ON p.product_id = oi.product_id
WHERE o.status NOT IN ('cancelled', 'returned')
GROUP BY 1;
COMMENT ON VIEW monthly_revenue IS 'Revenue, gross margin, orders, customers and units per calendar month (glossary definition of revenue: order lines of orders not cancelled or returned).';
COMMENT ON COLUMN monthly_revenue.month IS 'First day of the calendar month.';
COMMENT ON COLUMN monthly_revenue.orders IS 'Number of revenue orders (status not cancelled/returned) in the month.';
COMMENT ON COLUMN monthly_revenue.customers IS 'Number of distinct customers with a revenue order in the month.';
COMMENT ON COLUMN monthly_revenue.units IS 'Units sold in the month.';
COMMENT ON COLUMN monthly_revenue.revenue IS 'Revenue in USD: sum of quantity * unit_price * (1 - discount).';
COMMENT ON COLUMN monthly_revenue.gross_margin IS 'Gross margin in USD: revenue minus quantity * products.unit_cost.';

CREATE VIEW customer_lifetime AS
SELECT c.customer_id,
       min(o.order_date)                                                     AS first_order_date,
       max(o.order_date)                                                     AS last_order_date,
       count(DISTINCT o.order_id)                                            AS orders,
       round(sum(oi.quantity * oi.unit_price * (1 - oi.discount)), 2)        AS lifetime_revenue
FROM customers c
JOIN orders o       ON o.customer_id = c.customer_id AND o.status NOT IN ('cancelled', 'returned')
JOIN order_items oi ON oi.order_id = o.order_id
GROUP BY c.customer_id;
COMMENT ON VIEW customer_lifetime IS 'One row per customer with at least one revenue order: first and last order date, number of orders and lifetime revenue (glossary definitions).';
COMMENT ON COLUMN customer_lifetime.customer_id IS 'Customer (customers.customer_id).';
COMMENT ON COLUMN customer_lifetime.first_order_date IS 'Date of the customer''s first revenue order.';
COMMENT ON COLUMN customer_lifetime.last_order_date IS 'Date of the customer''s most recent revenue order.';
COMMENT ON COLUMN customer_lifetime.orders IS 'Number of revenue orders (not cancelled or returned).';
COMMENT ON COLUMN customer_lifetime.lifetime_revenue IS 'Total revenue from the customer in USD.';
