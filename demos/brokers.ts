/** Where the demos connect: LIFTBRIDGE_BROKERS, or the Gufo examples' default. */
export const BROKERS = (process.env['LIFTBRIDGE_BROKERS'] ?? '127.0.0.1:9292').split(',');
