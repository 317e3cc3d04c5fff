import { createRouter, createWebHistory } from "vue-router";
import Home from "./pages/Home.vue";

// The home page is in the first download; an item's page and the progress page load when opened.
export const router = createRouter({
  history: createWebHistory("/h5/"),
  routes: [
    { path: "/", component: Home, meta: { title: "医保便民服务" } },
    { path: "/items/:no(\\d+)", component: () => import("./pages/ItemPage.vue"), props: true },
    { path: "/progress/:acceptanceNo?", component: () => import("./pages/Progress.vue"), props: true, meta: { title: "办理进度查询" } },
    { path: "/:rest(.*)*", redirect: "/" },
  ],
  scrollBehavior: () => ({ top: 0 }),
});
