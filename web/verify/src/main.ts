/**
 * The verification page (`/verify`, or a saved single HTML file): takes a board export from a file (picker or
 * drop) or from this site's export URL, verifies it in a Web Worker with the second verifier, and shows the
 * numbered checks with their evidence, in Kyrgyz, Russian or English.
 */
import type { CheckResult, Report } from "../../verifier/src/report.js";
import { checkName } from "./check_names.js";
import { area, language, LANGUAGES, t, type Key, type Lang } from "./i18n.js";
import type { Options, Reply, Source } from "./protocol.js";

type State =
  | { kind: "idle" }
  | { kind: "running"; phase: "read" | "check"; fraction: number | null; bytes: number }
  | { kind: "done"; report: Report }
  | { kind: "error"; code: string; message: string };

const params = new URLSearchParams(location.search);
let lang: Lang = language(params.get("lang"));
let state: State = { kind: "idle" };
let worker: Worker | null = null;
const served = location.protocol === "http:" || location.protocol === "https:";
const inlineWorker = document.getElementById("shailoo-verify-worker");

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const text = (key: Key): string => t(key, lang);

function hexReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("");
  if (typeof value === "bigint") return value.toString();
  return value;
}

function evidenceText(evidence: Record<string, unknown>): string {
  const json = JSON.stringify(evidence, hexReplacer, 1);
  return json.length > 20000 ? `${json.slice(0, 20000)}\n…` : json;
}

function makeWorker(): Worker {
  if (inlineWorker !== null) {
    // the saved single file: the worker's code travels inside the page
    const blob = new Blob([inlineWorker.textContent ?? ""], { type: "text/javascript" });
    return new Worker(URL.createObjectURL(blob));
  }
  return new Worker("worker.js");
}

function readOptions(): Options {
  const bits = document.getElementById("min-issuer-bits") as HTMLInputElement;
  const witnesses = document.getElementById("min-witnesses") as HTMLInputElement;
  return { minIssuerBits: Number(bits.value), minWitnesses: Number(witnesses.value), witnesses: [] };
}

function start(source: Source): void {
  worker?.terminate();
  try {
    worker = makeWorker();
  } catch (err) {
    // e.g. a browser that refuses workers for this page: say so instead of waiting forever
    worker = null;
    state = { kind: "error", code: "internal", message: `Web Worker: ${(err as Error).message}` };
    renderStatus();
    return;
  }
  state = { kind: "running", phase: "read", fraction: 0, bytes: 0 };
  renderStatus();
  worker.onmessage = (event: MessageEvent<Reply>) => {
    const reply = event.data;
    if (reply.type === "progress") state = { kind: "running", phase: reply.phase, fraction: reply.fraction, bytes: reply.bytes };
    else if (reply.type === "done") state = { kind: "done", report: reply.report };
    else state = { kind: "error", code: reply.code, message: reply.message };
    if (reply.type !== "progress") {
      worker?.terminate();
      worker = null;
    }
    renderStatus();
  };
  worker.onerror = (event) => {
    state = { kind: "error", code: "internal", message: event.message };
    renderStatus();
  };
  worker.postMessage({ source, options: readOptions() });
}

function renderStatus(): void {
  document.body.dataset["state"] = state.kind;
  const bar = document.getElementById("bar") as HTMLProgressElement;
  const phase = document.getElementById("phase") as HTMLElement;
  const summary = document.getElementById("summary") as HTMLElement;
  const results = document.getElementById("results") as HTMLElement;
  bar.hidden = state.kind !== "running";
  if (state.kind === "running") {
    // reading is the first 30% of the bar, the checks the rest; an export of unknown length reads indeterminately
    const overall = state.phase === "read" ? (state.fraction === null ? null : 0.3 * state.fraction) : 0.3 + 0.7 * (state.fraction ?? 0);
    if (overall === null) bar.removeAttribute("value");
    else bar.value = Math.min(1, overall);
    phase.textContent = `${text(state.phase === "read" ? "reading" : "checking")} ${(state.bytes / 1048576).toFixed(1)} MiB`;
  } else phase.textContent = "";
  summary.replaceChildren();
  results.replaceChildren();
  if (state.kind === "error") {
    summary.append(el("p", { class: "bad" }, `${text("error")} (${state.code}): ${state.message}`));
  } else if (state.kind === "done") {
    const r = state.report;
    summary.append(el("p", { class: r.passed ? "good" : "bad" }, text(r.passed ? "verified" : "not_verified")));
    const counts = (["pass", "fail", "skipped", "not_implemented"] as const).map((s) => `${text(s)}: ${r.counts[s]}`).join(" · ");
    summary.append(el("p", {}, `${text("counts")}: ${counts}`));
    // "verified" means no check failed, not that every check ran: say which did not
    if (r.counts.not_implemented > 0) summary.append(el("p", { id: "not-run" }, text("not_run").replace("{n}", String(r.counts.not_implemented))));
    summary.append(el("p", {}, `${text("fingerprint")}: `, el("code", {}, r.export.fingerprint)));
    results.append(table(r.checks));
  }
}

function table(checks: CheckResult[]): HTMLTableElement {
  const head = el("tr", {}, ...(["number", "area", "check", "status", "message"] as const).map((k) => el("th", { scope: "col" }, text(k))));
  const rows = checks.map((c) => {
    const details = el("details", {}, el("summary", {}, text("evidence")), el("pre", { tabindex: "0" }, evidenceText(c.evidence)));
    // the verifier's explanation is English, as in `shailoo verify --json`: marked so, for screen readers
    const message = el("td", {}, el("span", { lang: "en" }, c.message), Object.keys(c.evidence).length > 0 ? details : "");
    return el(
      "tr",
      { "data-number": String(c.number), "data-status": c.status, "data-seconds": String(c.seconds) },
      el("th", { scope: "row", class: "num" }, String(c.number)),
      el("td", {}, area(c.area, lang)),
      el("td", {}, checkName(c.number, c.name, lang)),
      el("td", { class: `status ${c.status}` }, text(c.status)),
      message,
    );
  });
  return el("table", { id: "checks" }, el("caption", {}, text("results")), el("thead", {}, head), el("tbody", {}, ...rows));
}

function render(): void {
  document.documentElement.lang = lang;
  document.title = `${text("title")} · Shailoo`;
  const root = document.getElementById("main") as HTMLElement;
  const bits = params.get("min-issuer-bits") ?? "3072";
  const witnesses = params.get("min-witnesses") ?? "1";
  const previous = { bits: (document.getElementById("min-issuer-bits") as HTMLInputElement | null)?.value ?? bits, witnesses: (document.getElementById("min-witnesses") as HTMLInputElement | null)?.value ?? witnesses };
  const nav = el("nav", { "aria-label": text("language") }, ...LANGUAGES.map((code) => {
    const button = el("button", { type: "button", lang: code, "aria-pressed": String(code === lang) }, code.toUpperCase());
    button.addEventListener("click", () => {
      lang = code;
      render();
    });
    return button;
  }));
  const fileInput = el("input", { type: "file", id: "file", accept: ".jsonl,.json,application/x-ndjson,text/plain" });
  fileInput.addEventListener("change", () => {
    const file = fileInput.files?.[0];
    if (file) start({ file });
  });
  const drop = el("div", { id: "drop", class: "drop" }, el("label", { for: "file" }, text("file")), fileInput, el("p", { class: "hint" }, text("drop")));
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const file = event.dataTransfer?.files[0];
    if (file) start({ file });
  });
  const source = el("fieldset", {}, el("legend", {}, text("source")), drop);
  if (served) {
    const url = el("input", { type: "text", id: "url", value: params.get("export") ?? "/v1/board/export", spellcheck: "false", autocomplete: "off" });
    const go = el("button", { type: "submit", id: "verify-url" }, text("verify_url"));
    const form = el("form", { id: "by-url" }, el("label", { for: "url" }, text("url")), url, go);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      start({ url: url.value });
    });
    source.append(form);
  }
  const options = el(
    "details",
    { class: "options" },
    el("summary", {}, text("options")),
    el("label", { for: "min-issuer-bits" }, text("min_issuer_bits")),
    el("input", { type: "number", id: "min-issuer-bits", min: "1024", step: "1", value: previous.bits }),
    el("label", { for: "min-witnesses" }, text("min_witnesses")),
    el("input", { type: "number", id: "min-witnesses", min: "0", step: "1", value: previous.witnesses }),
  );
  const status = el(
    "section",
    { "aria-labelledby": "progress-label" },
    el("h2", { id: "progress-label", class: "visually-hidden" }, text("progress")),
    el("progress", { id: "bar", max: "1", "aria-labelledby": "progress-label", hidden: "" }),
    el("p", { id: "phase" }),
    el("div", { id: "summary", role: "status", "aria-live": "polite" }),
  );
  const save = served && inlineWorker === null ? el("p", {}, el("a", { href: "shailoo-verify.html", download: "shailoo-verify.html" }, text("save"))) : "";
  root.replaceChildren(el("h1", {}, text("title")), nav, el("p", {}, text("intro")), source, options, status, el("div", { id: "results" }), save);
  renderStatus();
}

render();
