// The Vant components the pages use, each with its own style only (no full Vant bundle), so that the first page
// loads little. Pages import the components from here.
import "vant/es/button/style/index";
import "vant/es/cell/style/index";
import "vant/es/cell-group/style/index";
import "vant/es/empty/style/index";
import "vant/es/field/style/index";
import "vant/es/grid/style/index";
import "vant/es/grid-item/style/index";
import "vant/es/loading/style/index";
import "vant/es/nav-bar/style/index";
import "vant/es/notice-bar/style/index";
import "vant/es/switch/style/index";
import "vant/es/tag/style/index";
import "vant/es/toast/style/index";

export { Button } from "vant/es/button";
export { Cell } from "vant/es/cell";
export { CellGroup } from "vant/es/cell-group";
export { Empty } from "vant/es/empty";
export { Field } from "vant/es/field";
export { Grid } from "vant/es/grid";
export { GridItem } from "vant/es/grid-item";
export { Loading } from "vant/es/loading";
export { NavBar } from "vant/es/nav-bar";
export { NoticeBar } from "vant/es/notice-bar";
export { Switch } from "vant/es/switch";
export { Tag } from "vant/es/tag";
export { showFailToast } from "vant/es/toast";
