import type { RouteRecordRaw } from 'vue-router';

// Everyone signed in reads the knowledge base; the search page is the one employees need most, so
// it loads lazily but is small. Authoring lives in features/kb-authoring (a staff area).
export const kbRoutes: RouteRecordRaw[] = [
  {
    path: '/kb',
    name: 'kb-search',
    component: () => import('./views/KbSearchView.vue'),
    meta: { title: 'kb.title' },
  },
  {
    path: '/help',
    name: 'kb-ask',
    component: () => import('./views/KbAskView.vue'),
    meta: { title: 'kb.askTitle' },
  },
  {
    path: '/kb/:slug',
    name: 'kb-article',
    component: () => import('./views/KbArticleView.vue'),
    props: true,
    // Public: an article tagged public opens signed out (how to get back into a locked account);
    // any other answers 401, and the page sends the person to sign in (see KbArticleView).
    meta: { public: true, title: 'kb.articleTitle' },
  },
];
