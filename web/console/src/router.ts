import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import { signedIn } from "./auth";

// Every page of the console; the menu (App.vue) lists those with a `menu` title.
export const routes: RouteRecordRaw[] = [
  { path: "/", redirect: "/queue" },
  { path: "/sign-in", component: () => import("./pages/SignIn.vue"), meta: { open: true } },
  { path: "/queue", component: () => import("./pages/Queue.vue"), meta: { menu: "工作台" } },
  { path: "/new", component: () => import("./pages/NewCase.vue"), meta: { menu: "业务登记" } },
  { path: "/cases/:id", component: () => import("./pages/CaseView.vue"), props: true },
  { path: "/batches", component: () => import("./pages/Batches.vue"), meta: { menu: "批量导入与审核" } },
  { path: "/registries", component: () => import("./pages/Registries.vue"), meta: { menu: "登记簿" } },
  { path: "/rules", component: () => import("./pages/Rules.vue"), meta: { menu: "规则试算" } },
  { path: "/channels", component: () => import("./pages/Channels.vue"), meta: { menu: "渠道接入" } },
  { path: "/overview", component: () => import("./pages/Overview.vue"), meta: { menu: "运行概览" } },
];

export const router = createRouter({ history: createWebHistory("/console/"), routes });

router.beforeEach((to) => (to.meta.open || signedIn() ? true : { path: "/sign-in", query: { next: to.fullPath } }));
