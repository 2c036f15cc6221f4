import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../../../test/support/devices/ports.ts';
import { startRtspCamera, type RtspCamera, type RtspCameraOptions } from '../../../test/support/devices/rtsp-camera.ts';
import { contextFor } from '../net.ts';
import { ProbeFailure, type Credential, type Endpoint } from '../types.ts';
import { rtspProbe, type RtspState } from './rtsp.ts';
import { streamPaths } from './rtsp-paths.ts';

const ctx = contextFor({ timeoutMs: 1500 });
const right: Credential = { username: 'admin', password: 'Cam-Bench-42', source: 'test' };
const wrong: Credential = { username: 'admin', password: '12345', source: 'test' };
const login = { username: right.username, password: right.password, realm: 'Bench Camera' };

async function withCamera(options: RtspCameraOptions, body: (camera: RtspCamera, endpoint: Endpoint) => Promise<void>): Promise<void> {
  const camera = await startRtspCamera(options);
  try {
    await body(camera, { host: camera.host, port: camera.port, service: 'rtsp' });
  } finally {
    await camera.stop();
  }
}

async function rejectsWith(promise: Promise<unknown>, kind: ProbeFailure['kind'], message?: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => e instanceof ProbeFailure && e.kind === kind && (message === undefined || message.test(e.message)));
}

describe('RTSP probe against a camera with a login', () => {
  it('finds the right pair with Basic, proven by the stream description a 401 withheld', async () => {
    await withCamera({ host: '127.0.4.21', server: 'Bench Hikvision RTSP', streams: ['/Streaming/Channels/101'], auth: { ...login, schemes: ['basic'] } }, async (camera, endpoint) => {
      const detection = await rtspProbe.detect(endpoint, ctx);
      assert.equal(detection.speaks, true);
      assert.equal(detection.auth, 'required');
      assert.equal(detection.banner, 'Bench Hikvision RTSP');
      assert.equal(detection.fingerprint?.vendor, 'Hikvision');
      const state = detection.state as RtspState;
      // The vendor's own paths come first, so the right one is tried early.
      assert.deepEqual(state.paths.slice(0, 2), ['/Streaming/Channels/101', '/h264/ch1/main/av_stream']);
      assert.deepEqual(state.schemes, ['basic']);
      assert.equal(state.realm, 'Bench Camera');
      assert.ok(camera.requests.every((r) => !r.headers.has('authorization')), 'detection sends no credentials');

      const success = await rtspProbe.attempt(endpoint, detection, right, ctx);
      assert.equal(success.outcome, 'success');
      assert.equal(
        success.detail,
        `DESCRIBE rtsp://127.0.4.21:${camera.port}/Streaming/Channels/101 with Basic credentials answered 200 with a stream description ("m=video 0 RTP/AVP 96"), where the same request without credentials got 401`,
      );
      const rejected = await rtspProbe.attempt(endpoint, detection, wrong, ctx);
      assert.deepEqual(rejected, { outcome: 'rejected', detail: '401 Unauthorized to Basic credentials on /Streaming/Channels/101' });
    });
  });

  it('finds the right pair with Digest, with and without qop, and prefers Digest when Basic is offered too', async () => {
    for (const auth of [
      { ...login, schemes: ['digest'] as const },
      { ...login, schemes: ['digest'] as const, qop: true },
      { ...login, schemes: ['basic', 'digest'] as const },
    ]) {
      await withCamera({ host: '127.0.4.22', server: 'Dahua Rtsp Server (bench)', streams: ['/cam/realmonitor?channel=1&subtype=0'], auth }, async (camera, endpoint) => {
        const detection = await rtspProbe.detect(endpoint, ctx);
        assert.equal(detection.auth, 'required');
        assert.equal(detection.fingerprint?.vendor, 'Dahua');
        assert.equal((detection.state as RtspState).paths[0], '/cam/realmonitor?channel=1&subtype=0');

        const success = await rtspProbe.attempt(endpoint, detection, right, ctx);
        assert.equal(success.outcome, 'success', JSON.stringify(auth));
        assert.match(success.detail, /with Digest credentials answered 200 with a stream description \("m=video 0 RTP\/AVP 96"\)/);
        assert.ok(camera.requests.some((r) => r.headers.get('authorization')?.startsWith('Digest username="admin"')));
        assert.ok(!camera.requests.some((r) => r.headers.get('authorization')?.startsWith('Basic')), 'no Basic where Digest is offered');

        const rejected = await rtspProbe.attempt(endpoint, detection, wrong, ctx);
        assert.equal(rejected.outcome, 'rejected');
        assert.match(rejected.detail, /^401 Unauthorized to Digest credentials/);
      });
    }
  });

  it('copes with a camera that closes the connection after every answer', async () => {
    await withCamera(
      { host: '127.0.4.23', streams: ['/live'], auth: { ...login, schemes: ['digest'] }, closeAfterEachAnswer: true },
      async (camera, endpoint) => {
        const detection = await rtspProbe.detect(endpoint, ctx);
        assert.equal(detection.auth, 'required');
        assert.equal(detection.banner, 'RTSP 200 OK to OPTIONS');
        const result = await rtspProbe.attempt(endpoint, detection, right, ctx);
        assert.equal(result.outcome, 'success');
        assert.ok(camera.connections() > 2);
      },
    );
  });

  it('does not claim a pair that passes the login when no known path has a stream', async () => {
    await withCamera({ host: '127.0.4.24', streams: ['/a-path-nobody-guesses'], auth: { ...login, schemes: ['basic'] } }, async (_camera, endpoint) => {
      const detection = await rtspProbe.detect(endpoint, ctx);
      assert.equal(detection.auth, 'required');
      assert.equal((detection.state as RtspState).paths.length, streamPaths.length);
      const result = await rtspProbe.attempt(endpoint, detection, right, ctx);
      assert.equal(result.outcome, 'error');
      assert.match(result.detail, /^not proven: .*\/ answered 404 Stream Not Found/);
      assert.equal((await rtspProbe.attempt(endpoint, detection, wrong, ctx)).outcome, 'rejected');
    });
  });
});

describe('RTSP probe against an open camera', () => {
  it('reports the stream anyone may describe, with its first media line as proof', async () => {
    await withCamera({ host: '127.0.4.25', server: 'GStreamer RTSP server', streams: ['/stream1'], auth: 'open' }, async (camera, endpoint) => {
      const detection = await rtspProbe.detect(endpoint, ctx);
      assert.equal(detection.speaks, true);
      assert.equal(detection.auth, 'none');
      assert.equal(
        detection.openAccessEvidence,
        `DESCRIBE rtsp://127.0.4.25:${camera.port}/stream1 without credentials answered 200 with a stream description: "m=video 0 RTP/AVP 96"`,
      );
      assert.equal(detection.fingerprint?.product, 'GStreamer RTSP server');
      assert.ok(camera.requests.every((r) => r.method === 'OPTIONS' || r.method === 'DESCRIBE'), 'never SETUP or PLAY');
      assert.equal((await rtspProbe.attempt(endpoint, detection, right, ctx)).outcome, 'error');
    });
  });

  it('names a Content-Base that points outside the targets, and does not follow it', async () => {
    await withCamera({ host: '127.0.4.26', streams: ['/live'], auth: 'open', contentBase: 'rtsp://127.0.4.99:554/elsewhere/' }, async (_camera, endpoint) => {
      const detection = await rtspProbe.detect(endpoint, contextFor({ timeoutMs: 1500, hosts: ['127.0.4.26'] }));
      assert.equal(detection.auth, 'none');
      assert.match(detection.openAccessEvidence ?? '', /its Content-Base points to 127\.0\.4\.99, outside the targets, and was not followed$/);
    });
  });

  it('says so when it speaks RTSP but no path asked has a stream or a login', async () => {
    await withCamera({ host: '127.0.4.27', streams: ['/somewhere-else'], auth: 'open' }, async (_camera, endpoint) => {
      const detection = await rtspProbe.detect(endpoint, ctx);
      assert.equal(detection.speaks, true);
      assert.equal(detection.auth, 'unknown');
      assert.match(detection.banner ?? '', /no stream at the 13 paths asked \(\/ 404, \/live 404/);
    });
  });
});

describe('RTSP probe against hostile or foreign services', () => {
  const host = '127.0.4.28';

  it('stops reading headers that never end at 16 KiB', async () => {
    await withCamera({ host, streams: [], auth: 'open', hostile: 'endless-headers' }, async (_camera, endpoint) => {
      await rejectsWith(rtspProbe.detect(endpoint, ctx), 'protocol', /sent over 16 KiB of headers without ending them/);
    });
  });

  it('gives up on a camera that never answers after one step’s timeout', async () => {
    await withCamera({ host, streams: [], auth: 'open', hostile: 'hang' }, async (_camera, endpoint) => {
      const started = Date.now();
      await rejectsWith(rtspProbe.detect(endpoint, contextFor({ timeoutMs: 300 })), 'timeout', /did not finish answering OPTIONS/);
      assert.ok(Date.now() - started < 1500);
    });
  });

  it('fails on garbage, an oversized stream description and a mismatched CSeq', async () => {
    const cases = [
      ['garbage', /answered DESCRIBE \/ with ".*", not RTSP/],
      ['huge-body', /announced a 50000000-byte body/],
      ['wrong-cseq', /answered OPTIONS .* \(CSeq 1\) with CSeq 8/],
    ] as const;
    for (const [hostile, message] of cases) {
      await withCamera({ host, streams: ['/'], auth: 'open', hostile }, async (_camera, endpoint) => {
        await rejectsWith(rtspProbe.detect(endpoint, ctx), 'protocol', message);
      });
    }
  });

  it('reports a service that is not RTSP as such, without trying it', async () => {
    await withCamera({ host, streams: [], auth: 'open', hostile: 'not-rtsp' }, async (_camera, endpoint) => {
      const detection = await rtspProbe.detect(endpoint, ctx);
      assert.equal(detection.speaks, false);
      assert.equal(detection.banner, 'answered OPTIONS with "HTTP/1.1 400 Bad Request Content-Length: 0"');
    });
  });

  it('fails with "refused" on a closed port and never connects outside the targets', async () => {
    const port = await freePort(host);
    await rejectsWith(rtspProbe.detect({ host, port, service: 'rtsp' }, ctx), 'refused');
    await rejectsWith(rtspProbe.detect({ host, port, service: 'rtsp' }, contextFor({ hosts: ['127.0.4.29'] })), 'out-of-scope');
  });
});
