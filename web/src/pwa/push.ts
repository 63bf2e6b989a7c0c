import { api } from '../api/client';
import { okEmpty, okJson } from '../api/errors';

/**
 * Web push for this browser: subscribe with the portal's VAPID key and tell the server, or the
 * reverse. Permission is asked only from `enable`, which the settings toggle calls on the person's
 * click (browsers block or penalise prompts nobody asked for).
 */

export type PushState = 'unsupported' | 'denied' | 'on' | 'off';

export function pushSupported(): boolean {
  return typeof window !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

async function registration(): Promise<ServiceWorkerRegistration | null> {
  if (!pushSupported()) return null;
  // No service worker (development without one): nothing can receive pushes.
  const existing = await navigator.serviceWorker.getRegistration();
  return existing ? navigator.serviceWorker.ready : null;
}

export async function pushState(): Promise<PushState> {
  const reg = await registration();
  if (!reg) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  return (await reg.pushManager.getSubscription()) ? 'on' : 'off';
}

/** The VAPID key as the bytes PushManager.subscribe wants. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = (base64url + '='.repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/** Asks permission (call from a click), subscribes this browser and registers it with the server. */
export async function enablePush(): Promise<PushState> {
  const reg = await registration();
  if (!reg) return 'unsupported';
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return permission === 'denied' ? 'denied' : 'off';
  const { publicKey } = await okJson(api.push.key.$get());
  let subscription = await reg.pushManager.getSubscription();
  if (subscription) {
    // Subscribed under another key (the server's keys were replaced): start again with the current one.
    const current = subscription.options.applicationServerKey;
    const same = current && btoa(String.fromCharCode(...new Uint8Array(current))) === btoa(String.fromCharCode(...keyBytes(publicKey)));
    if (!same) {
      await subscription.unsubscribe();
      subscription = null;
    }
  }
  subscription ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) });
  const json = subscription.toJSON() as { endpoint: string; keys: { p256dh: string; auth: string } };
  await okJson(api.push.subscriptions.$post({ json: { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } } }));
  return 'on';
}

/** Stops pushes to this browser: the server forgets it, then the browser unsubscribes. */
export async function disablePush(): Promise<PushState> {
  const reg = await registration();
  if (!reg) return 'unsupported';
  const subscription = await reg.pushManager.getSubscription();
  if (subscription) {
    await okEmpty(api.push.subscriptions.$delete({ json: { endpoint: subscription.endpoint } }));
    await subscription.unsubscribe();
  }
  return 'off';
}

/**
 * At sign-out: this browser stops receiving the person's notifications (a shared or handed-back
 * device must not keep showing whose approvals wait). Best effort: a sign-out never fails on it.
 */
export async function forgetPushOnThisDevice(): Promise<void> {
  try {
    const existing = pushSupported() ? await navigator.serviceWorker.getRegistration() : undefined;
    const subscription = existing ? await existing.pushManager.getSubscription() : null;
    if (!subscription) return;
    await api.push.subscriptions.$delete({ json: { endpoint: subscription.endpoint } });
    await subscription.unsubscribe();
  } catch {
    // Offline or already gone: the server drops it when the push service reports it gone.
  }
}
