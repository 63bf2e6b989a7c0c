import type { RouteRecordRaw } from 'vue-router';
import SignInView from './views/SignInView.vue';

// Eager: the sign-in page is most people's first paint, so it ships in the entry chunk.
export const authRoutes: RouteRecordRaw[] = [
  { path: '/sign-in', name: 'sign-in', component: SignInView, meta: { public: true, title: 'signIn.title' } },
];
