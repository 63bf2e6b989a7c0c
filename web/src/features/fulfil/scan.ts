/**
 * Reads an asset's barcode or QR code through the camera: the browser's own BarcodeDetector
 * where it has one (Android, ChromeOS, macOS), else the ZXing decoder, loaded only then.
 */

/** The label formats asset tags are printed in. */
const FORMATS = ['code_128', 'code_39', 'qr_code', 'data_matrix', 'ean_13'];

export interface ScanSession {
  /** Stops the camera (and the decoding loop). Safe to call more than once. */
  stop(): void;
}

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

const CAMERA: MediaStreamConstraints = { video: { facingMode: { ideal: 'environment' } }, audio: false };

async function nativeDetector(): Promise<BarcodeDetectorLike | null> {
  const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  if (!Detector) return null;
  try {
    const formats = (await Detector.getSupportedFormats()).filter((format) => FORMATS.includes(format));
    return formats.length ? new Detector({ formats }) : null;
  } catch {
    return null;
  }
}

async function scanNatively(detector: BarcodeDetectorLike, video: HTMLVideoElement, found: (text: string) => void): Promise<ScanSession> {
  const stream = await navigator.mediaDevices.getUserMedia(CAMERA);
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const session: ScanSession = {
    stop() {
      stopped = true;
      clearTimeout(timer);
      for (const track of stream.getTracks()) track.stop();
      video.srcObject = null;
    },
  };
  video.srcObject = stream;
  await video.play();
  const look = async (): Promise<void> => {
    if (stopped) return;
    try {
      const text = (await detector.detect(video)).find((code) => code.rawValue.trim())?.rawValue.trim();
      if (text) {
        session.stop();
        found(text);
        return;
      }
    } catch {
      // A frame that is not ready yet; try the next one.
    }
    timer = setTimeout(() => void look(), 150);
  };
  void look();
  return session;
}

async function scanWithZxing(video: HTMLVideoElement, found: (text: string) => void): Promise<ScanSession> {
  const [{ BrowserMultiFormatReader }, { BarcodeFormat, DecodeHintType }] = await Promise.all([
    import('@zxing/browser'),
    import('@zxing/library'),
  ]);
  const hints = new Map<(typeof DecodeHintType)[keyof typeof DecodeHintType], unknown>([
    [
      DecodeHintType.POSSIBLE_FORMATS,
      [BarcodeFormat.CODE_128, BarcodeFormat.CODE_39, BarcodeFormat.QR_CODE, BarcodeFormat.DATA_MATRIX, BarcodeFormat.EAN_13],
    ],
  ]);
  const reader = new BrowserMultiFormatReader(hints, { delayBetweenScanAttempts: 150 });
  let done = false;
  const controls = await reader.decodeFromConstraints(CAMERA, video, (result, _error, controls) => {
    const text = result?.getText().trim();
    if (!text || done) return;
    done = true;
    controls.stop();
    found(text);
  });
  return {
    stop() {
      done = true;
      controls.stop();
    },
  };
}

/** Starts the camera in `video` and calls `found` once with the first code read. */
export async function startScan(video: HTMLVideoElement, found: (text: string) => void): Promise<ScanSession> {
  if (!navigator.mediaDevices?.getUserMedia) throw new DOMException('No camera API', 'NotFoundError');
  const detector = await nativeDetector();
  return detector ? scanNatively(detector, video, found) : scanWithZxing(video, found);
}

/** Why the camera could not start, as an i18n key. */
export function cameraProblem(error: unknown): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'fulfil.cameraBlocked';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'fulfil.noCamera';
  if (name === 'NotReadableError') return 'fulfil.cameraBusy';
  return 'fulfil.cameraFailed';
}
