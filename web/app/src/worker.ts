/// <reference lib="webworker" />
/** Encrypts and proves a ballot off the main thread, reporting progress (a 1,156-selection ballot takes seconds). */
import { type ContestPlan, createBallot, decodePoint, fromHex } from '../../core/src/index.js';

export interface EncryptRequest {
  electionId: string;
  styleId: string;
  contests: ContestPlan[];
  jointKeyHex: string;
  baseHashHex: string;
  credential: { secretKey: Uint8Array; publicKey: Uint8Array; msgPrefix: Uint8Array; registrarSignature: Uint8Array };
}

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = (event: MessageEvent<EncryptRequest>) => {
  const req = event.data;
  try {
    let last = 0;
    const result = createBallot({
      electionId: req.electionId,
      styleId: req.styleId,
      contests: req.contests,
      jointKey: decodePoint(fromHex(req.jointKeyHex, 33)),
      baseHash: fromHex(req.baseHashHex, 32),
      credential: req.credential,
      onProgress: (done, total) => {
        const now = Date.now();
        if (now - last > 100 || done === total) {
          last = now;
          scope.postMessage({ type: 'progress', done, total });
        }
      },
    });
    req.credential.secretKey.fill(0);
    scope.postMessage({ type: 'done', ...result });
  } catch (e) {
    scope.postMessage({ type: 'error', code: (e as { code?: string }).code ?? 'unknown', message: String(e) });
  }
};
