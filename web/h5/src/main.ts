import { sessionToken } from "./session"; // first: takes the token out of the address bar
import { createApp } from "vue";
import { useCredentials } from "@shared/api";
import App from "./App.vue";
import { requireSession } from "./gateway";
import { router } from "./router";
import "./style.css";

useCredentials(sessionToken, "Session");
requireSession();
createApp(App).use(router).mount("#app");
