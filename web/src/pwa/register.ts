import { Workbox } from 'workbox-window';
import { offerUpdate } from './update-state';

/** How often an open portal asks whether a new version was deployed. */
const UPDATE_CHECK_MS = 60 * 60 * 1000;

/**
 * Registers the service worker with the "prompt" flow: a new version waits until the person
 * chooses to reload, so nothing changes under their fingers mid-task. `onFirstControl` runs when a
 * first install takes control of this page (not on an update).
 */
export function registerServiceWorker(onFirstControl: () => void = () => undefined): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  const wb = new Workbox('/sw.js', { scope: '/' });

  wb.addEventListener('controlling', (event) => {
    if (!event.isUpdate) onFirstControl();
  });

  wb.addEventListener('waiting', () => {
    offerUpdate(() => {
      // Reload once the new worker controls the page, so page and cache are the same version.
      wb.addEventListener('controlling', () => window.location.reload());
      wb.messageSkipWaiting();
    });
  });

  wb.register().then(
    (registration) => {
      if (!registration) return;
      setInterval(() => void registration.update().catch(() => undefined), UPDATE_CHECK_MS);
    },
    // No service worker (blocked by policy or the browser): the portal works online as before.
    () => undefined,
  );
}
