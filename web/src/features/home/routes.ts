import type { RouteRecordRaw } from 'vue-router';
import HomeView from './views/HomeView.vue';

// Eager: every signed-in person lands here right after sign-in.
export const homeRoutes: RouteRecordRaw[] = [{ path: '/', name: 'home', component: HomeView, meta: { title: 'home.title' } }];
