import { ref } from 'vue';

/**
 * The state the update prompt shows. Kept apart from the registration code so that code (and
 * workbox-window) can load after the page has painted.
 */
export const updateAvailable = ref(false);

let activate: () => void = () => window.location.reload();

/** Set by the registration once a new service worker is waiting. */
export function offerUpdate(apply: () => void): void {
  activate = apply;
  updateAvailable.value = true;
}

/** The person chose "Reload": switch to the new version. */
export function applyUpdate(): void {
  updateAvailable.value = false;
  activate();
}

export function dismissUpdate(): void {
  updateAvailable.value = false;
}
