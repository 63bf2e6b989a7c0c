import { readonly, ref, type Ref } from 'vue';

const online = ref(typeof navigator === 'undefined' ? true : navigator.onLine);
let listening = false;

/** Whether the browser thinks it has a network; one pair of window listeners serves every caller. */
export function useOnline(): Readonly<Ref<boolean>> {
  if (!listening && typeof window !== 'undefined') {
    listening = true;
    window.addEventListener('online', () => (online.value = true));
    window.addEventListener('offline', () => (online.value = false));
  }
  return readonly(online);
}
