-- Apiary Supply Co.: the demo company the built-in team answers questions about.
-- Plain SQL that SQLite and PostgreSQL both accept, so the same file seeds either database.

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    segment TEXT NOT NULL,          -- enterprise | smb | consumer
    country TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at DATE NOT NULL
);

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    unit_price NUMERIC(10, 2) NOT NULL
);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    ordered_at DATE NOT NULL,
    status TEXT NOT NULL            -- paid | shipped | delivered | refunded | cancelled
);

CREATE TABLE order_items (
    order_id INTEGER NOT NULL REFERENCES orders (id),
    product_id INTEGER NOT NULL REFERENCES products (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_price NUMERIC(10, 2) NOT NULL,
    PRIMARY KEY (order_id, product_id)
);

CREATE TABLE support_tickets (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    product_id INTEGER REFERENCES products (id),
    opened_at DATE NOT NULL,
    status TEXT NOT NULL,           -- open | pending | closed
    priority TEXT NOT NULL,         -- low | normal | high | urgent
    subject TEXT NOT NULL
);

INSERT INTO customers (id, name, segment, country, email, created_at) VALUES
    (1, 'Acme Orchards', 'enterprise', 'Portugal', 'ops@acme-orchards.example', '2024-02-11'),
    (2, 'Blue Meadow Farm', 'smb', 'Spain', 'hello@bluemeadow.example', '2024-03-05'),
    (3, 'Cedar Valley Honey', 'smb', 'France', 'orders@cedarvalley.example', '2024-04-17'),
    (4, 'Dunmore Apiaries', 'enterprise', 'Ireland', 'buying@dunmore.example', '2024-05-02'),
    (5, 'Elm Street Gardens', 'consumer', 'Portugal', 'maria@elmstreet.example', '2024-06-21'),
    (6, 'Fjord Bees', 'smb', 'Norway', 'post@fjordbees.example', '2024-07-08'),
    (7, 'Golden Comb Cooperative', 'enterprise', 'Brazil', 'compras@goldencomb.example', '2024-08-30'),
    (8, 'Hillside Pollination', 'smb', 'Germany', 'info@hillside.example', '2024-10-14');

INSERT INTO products (id, sku, name, category, unit_price) VALUES
    (1, 'HS-100', 'Hive Sensor', 'electronics', 89.00),
    (2, 'SS-200', 'Smart Hive Scale', 'electronics', 249.00),
    (3, 'LH-010', 'Langstroth Hive Kit', 'hives', 159.00),
    (4, 'PS-050', 'Protective Suit', 'apparel', 119.00),
    (5, 'SM-020', 'Stainless Smoker', 'tools', 39.00),
    (6, 'HX-300', 'Honey Extractor', 'equipment', 649.00),
    (7, 'FF-005', 'Foundation Frames (10 pack)', 'hives', 29.00),
    (8, 'GW-001', 'Hive Gateway', 'electronics', 199.00);

INSERT INTO orders (id, customer_id, ordered_at, status) VALUES
    (1, 1, '2025-01-14', 'delivered'),
    (2, 2, '2025-01-20', 'delivered'),
    (3, 4, '2025-02-03', 'delivered'),
    (4, 1, '2025-02-27', 'delivered'),
    (5, 3, '2025-03-09', 'refunded'),
    (6, 7, '2025-03-15', 'delivered'),
    (7, 5, '2025-04-02', 'delivered'),
    (8, 6, '2025-04-18', 'shipped'),
    (9, 4, '2025-05-06', 'delivered'),
    (10, 8, '2025-05-22', 'cancelled'),
    (11, 7, '2025-06-10', 'delivered'),
    (12, 1, '2025-06-30', 'shipped'),
    (13, 2, '2025-07-12', 'paid'),
    (14, 3, '2025-07-19', 'paid');

INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES
    (1, 1, 40, 89.00), (1, 8, 4, 199.00),
    (2, 3, 6, 159.00), (2, 7, 12, 29.00),
    (3, 2, 10, 249.00), (3, 1, 25, 89.00),
    (4, 4, 15, 119.00), (4, 5, 15, 39.00),
    (5, 6, 1, 649.00),
    (6, 1, 60, 89.00), (6, 2, 20, 249.00), (6, 8, 6, 199.00),
    (7, 3, 1, 159.00), (7, 4, 1, 119.00),
    (8, 7, 20, 29.00), (8, 5, 4, 39.00),
    (9, 6, 2, 649.00), (9, 3, 8, 159.00),
    (10, 2, 3, 249.00),
    (11, 1, 30, 89.00), (11, 7, 50, 29.00),
    (12, 2, 12, 249.00),
    (13, 1, 8, 89.00),
    (14, 4, 2, 119.00), (14, 5, 2, 39.00);

INSERT INTO support_tickets (id, customer_id, product_id, opened_at, status, priority, subject) VALUES
    (1, 1, 1, '2025-02-02', 'closed', 'normal', 'Hive Sensor battery drains in cold weather'),
    (2, 1, 8, '2025-03-11', 'open', 'high', 'Hive Gateway drops Wi-Fi every night'),
    (3, 3, 6, '2025-03-20', 'closed', 'normal', 'Honey Extractor arrived with a dented drum'),
    (4, 4, 2, '2025-05-19', 'open', 'urgent', 'Smart Hive Scale reports negative weight'),
    (5, 7, 1, '2025-06-01', 'pending', 'normal', 'Need bulk firmware update for sensors'),
    (6, 1, 2, '2025-07-08', 'open', 'normal', 'Smart Hive Scale calibration question'),
    (7, 5, 4, '2025-04-25', 'closed', 'low', 'Protective Suit size exchange'),
    (8, 6, NULL, '2025-05-02', 'open', 'low', 'Invoice address change'),
    (9, 2, 3, '2025-08-01', 'pending', 'normal', 'Missing screws in Langstroth Hive Kit'),
    (10, 7, 2, '2025-08-14', 'open', 'high', 'Scale readings delayed by two hours');
