import https from 'https';
import tls from 'tls';
import axios from 'axios';
import { Pool } from 'pg';

// ruleid: br702-typescript-tls-verification-disabled
const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });

export const client = axios.create({
  baseURL: 'https://payments.internal',
  // ruleid: br702-typescript-tls-verification-disabled
  httpsAgent: new https.Agent({ rejectUnauthorized: false }),
});

export const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  // ruleid: br702-typescript-tls-verification-disabled
  ssl: { rejectUnauthorized: false },
});

export function connect(host: string) {
  // ruleid: br702-typescript-tls-verification-disabled
  return tls.connect({ host, port: 443, rejectUnauthorized: false });
}

// ruleid: br702-typescript-tls-verification-disabled
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

// ---------------------------------------------------------------- negatives

// ok: br702-typescript-tls-verification-disabled
const strictAgent = new https.Agent({ rejectUnauthorized: true, ca: process.env.CA_PEM });

export const pool2 = new Pool({
  connectionString: process.env.DATABASE_URL,
  // ok: br702-typescript-tls-verification-disabled
  ssl: { rejectUnauthorized: process.env.NODE_ENV === 'production' ? true : true },
});

// ok: br702-typescript-tls-verification-disabled
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '1';
