import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { createBodyReader } from '../../lib/express/parse';
import {
  MalformedEnvelopeError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../../lib/index';

const FORM = 'application/x-www-form-urlencoded';

/** An app whose one route reports what the body reader made of the request. */
function readerApp(limit: number | string = '64kb', before: RequestHandler[] = []) {
  const read = createBodyReader(limit);
  const app = express();
  app.post('/', ...before, async (req, res) => {
    const { fields, error } = await read(req, res);
    res.json({
      fields: fields === undefined ? null : typeof fields === 'object' ? { ...fields } : fields,
      error: error && { name: error.name, status: error.status, httpStatus: error.httpStatus },
    });
  });
  return app;
}

describe('createBodyReader', () => {
  it('reads a urlencoded form, percent-encoding and all', async () => {
    const body = new URLSearchParams({
      app_id: 'a1',
      data: '{"x":"中文 +/="}',
      sign: '',
      sign_type: 'PKCS#7',
    });
    const res = await request(readerApp()).post('/').type('form').send(body.toString());
    assert.deepEqual(res.body, {
      fields: { app_id: 'a1', data: '{"x":"中文 +/="}', sign: '', sign_type: 'PKCS#7' },
    });
  });

  it('accepts a charset parameter of utf-8', async () => {
    const res = await request(readerApp())
      .post('/')
      .set('content-type', `${FORM}; charset=UTF-8`)
      .send('app_id=a1');
    assert.deepEqual(res.body.fields, { app_id: 'a1' });
  });

  it('reads a gzip-compressed form', async () => {
    // Sent with fetch: supertest re-encodes a Buffer body sent with a form type.
    const server = readerApp().listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: { 'content-type': FORM, 'content-encoding': 'gzip' },
        body: gzipSync('app_id=a1&sign_type=MD5'),
      });
      assert.deepEqual(((await res.json()) as { fields: unknown }).fields, {
        app_id: 'a1',
        sign_type: 'MD5',
      });
    } finally {
      server.close();
    }
  });

  it('gives a repeated field as a list, for readEnvelope to refuse', async () => {
    const res = await request(readerApp()).post('/').type('form').send('sign=a&sign=b');
    assert.deepEqual(res.body.fields, { sign: ['a', 'b'] });
  });

  it('reads an empty form as no fields', async () => {
    const res = await request(readerApp()).post('/').set('content-type', FORM).send('');
    assert.deepEqual(res.body.fields, {});
    assert.equal(res.body.error, undefined);
  });

  it('refuses a body over the limit as PayloadTooLargeError (413)', async () => {
    const res = await request(readerApp(100))
      .post('/')
      .type('form')
      .send(`data=${'x'.repeat(200)}`);
    assert.deepEqual(res.body.error, {
      name: PayloadTooLargeError.name,
      status: 40001,
      httpStatus: 413,
    });
  });

  it('refuses a form with too many fields as PayloadTooLargeError (413)', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `f${i}=1`).join('&');
    const res = await request(readerApp()).post('/').type('form').send(many);
    assert.equal(res.body.error?.httpStatus, 413);
  });

  it('refuses other content types as UnsupportedMediaTypeError (415)', async () => {
    for (const type of ['application/json', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await request(readerApp()).post('/').set('content-type', type).send('a=1');
      assert.deepEqual(res.body.error, {
        name: UnsupportedMediaTypeError.name,
        status: 40001,
        httpStatus: 415,
      });
    }
  });

  it('refuses a body without a content type (415)', async () => {
    const res = await request(readerApp()).post('/').send(Buffer.from('app_id=a1'));
    assert.equal(res.body.error?.httpStatus, 415);
  });

  it('refuses an unsupported charset or encoding (415)', async () => {
    const charset = await request(readerApp())
      .post('/')
      .set('content-type', `${FORM}; charset=klingon`)
      .send('app_id=a1');
    assert.equal(charset.body.error?.name, UnsupportedMediaTypeError.name);
    const encoding = await request(readerApp())
      .post('/')
      .set('content-type', FORM)
      .set('content-encoding', 'x-unknown')
      .send('app_id=a1');
    assert.equal(encoding.body.error?.name, UnsupportedMediaTypeError.name);
  });

  it('refuses a corrupt compressed body as MalformedEnvelopeError', async () => {
    const res = await request(readerApp())
      .post('/')
      .set('content-type', FORM)
      .set('content-encoding', 'gzip')
      .send(Buffer.from('not gzip at all'));
    assert.equal(res.body.error?.name, MalformedEnvelopeError.name);
    assert.equal(res.body.error?.httpStatus, 200);
  });

  it('uses a form the host already parsed, without reading the body again', async () => {
    const res = await request(
      readerApp('64kb', [
        (req, _res, next) => {
          req.body = { app_id: 'from-host' };
          next();
        },
      ]),
    )
      .post('/')
      .type('form')
      .send('app_id=from-body');
    assert.deepEqual(res.body.fields, { app_id: 'from-host' });
  });

  it('still refuses a non-form content type when the host parsed the body', async () => {
    const res = await request(readerApp('64kb', [express.json()]))
      .post('/')
      .send({ app_id: 'a1' });
    assert.equal(res.body.error?.httpStatus, 415);
  });

  it('returns what another parser left when the body is already consumed', async () => {
    const res = await request(readerApp('64kb', [express.text({ type: '*/*' })]))
      .post('/')
      .type('form')
      .send('app_id=a1')
      .timeout(3000);
    assert.equal(res.body.fields, 'app_id=a1');
    assert.equal(res.body.error, undefined);
  });
});
