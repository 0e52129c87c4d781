// The dark space theme, scoped under .ow-root; system fonts only (nothing is fetched). The layout follows the
// widget's own width (a container query on .ow-host, the element around .ow-root): three columns from 860 px
// (controls | stage | side panel), two below that (the controls go under the stage), one column below 680 px
// (stage, then the side panel, then the controls). Nothing is cut off at any width from 560 px up. Rules that a
// host page's prose styles also set (headings, lists, svg: JupyterLab's .jp-RenderedHTMLCommon, around the player of
// an HTML export) are written under .ow-root, so that they win.
export const CSS = `
.ow-host{container-type:inline-size;width:100%;min-width:560px}
.ow-root{--bg:#050817;--card:#0b1230;--line:#222c5c;--text:#dbe3ff;--dim:#8a93b8;--accent:#ffd166;
  position:relative;display:grid;grid-template-columns:170px minmax(300px,1fr) 230px;
  grid-template-rows:auto auto 540px 34px;
  grid-template-areas:"head head head" "tabs tabs tabs" "left stage side" "left foot side";
  gap:6px;background:var(--bg);color:var(--text);
  font:12px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif;
  padding:8px;border-radius:10px;box-sizing:border-box;width:100%;}
.ow-root *{box-sizing:border-box}
.ow-head{grid-area:head;display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:8px;
  min-width:0}
.ow-root .ow-title h2{margin:0;line-height:1.25;font-size:19px;letter-spacing:.5px;color:var(--accent);font-weight:650}
.ow-sub{display:flex;flex-wrap:wrap;gap:0 12px;color:var(--dim);font-size:11px}
.ow-title{min-width:0}
.ow-tabsbar{grid-area:tabs;min-width:0}.ow-tabs{display:flex;gap:4px}
.ow-tab{flex:1 1 0;min-width:0;background:var(--card);color:var(--dim);border:1px solid var(--line);
  border-radius:6px;padding:5px;
  text-transform:uppercase;font:inherit;font-weight:600;letter-spacing:1px;cursor:pointer}
.ow-tab:hover{color:var(--text);border-color:#3b4a8c}
.ow-tab.ow-on{color:#111;background:var(--accent);border-color:var(--accent)}
.ow-root .ow-narr{margin:5px 2px 0;text-align:left;color:var(--dim);min-height:2.7em}.ow-narr b{color:var(--accent)}
.ow-left{grid-area:left;display:flex;flex-direction:column;gap:6px;min-width:0}
.ow-side{grid-area:side;display:flex;flex-direction:column;gap:6px;min-height:0;min-width:0;
  overflow:hidden}
.ow-stagebox{grid-area:stage;position:relative;min-height:420px;border-radius:8px;overflow:hidden;
  border:1px solid var(--line)}
.ow-canvas{position:absolute;left:0;top:0}
.ow-overlay{position:absolute;inset:0;pointer-events:none}
.ow-foot{grid-area:foot;display:flex;align-items:center;gap:10px;padding:2px 6px;min-width:0}
.ow-foot input{flex:1;min-width:0;accent-color:var(--accent)}.ow-loadlab{min-width:70px;font-weight:600}
.ow-card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:5px 8px}
.ow-root .ow-card h4{margin:0 0 4px;line-height:1.35;font-size:10.5px;letter-spacing:1.2px;color:var(--dim);
  text-transform:uppercase;font-weight:650}
.ow-grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);grid-auto-flow:row dense;gap:3px 8px}
.ow-grid .ow-span{grid-column:1/-1}
.ow-stat{display:flex;flex-direction:column}.ow-lab{color:var(--dim);font-size:10.5px}
.ow-val{font-variant-numeric:tabular-nums;font-weight:600;font-size:13px;white-space:nowrap}
.ow-row{display:flex;gap:10px;align-items:center;justify-content:space-between}
.ow-row.ow-wrap{flex-wrap:wrap;gap:0 10px}
.ow-modelrow{gap:6px;margin:0 0 3px}
.ow-select{flex:1 1 0;min-width:0;max-width:100%;background:#16204d;color:var(--text);border:1px solid #34428a;
  border-radius:6px;padding:2px 4px;font:inherit;font-size:11.5px;cursor:pointer;text-overflow:ellipsis}
.ow-select:hover:not(:disabled){border-color:var(--accent)}.ow-select:disabled{opacity:.5;cursor:default}
.ow-select option{background:#0b1230;color:var(--text)}
.ow-formula{font-family:ui-serif,Georgia,serif;font-style:italic;font-size:14px;margin:2px 0}
.ow-regime{font-weight:700;letter-spacing:1px}
.ow-ab{display:grid;grid-template-columns:62px 1fr 1fr;gap:1px 6px;align-items:baseline}
.ow-static{color:#ff6b6b}.ow-adaptive{color:#4ade80}.ow-ab .ow-shown{color:var(--text);text-decoration:underline}
.ow-dim{color:var(--dim)}
.ow-dialbox{display:flex;flex-direction:column;align-items:center;gap:2px;flex:1}
.ow-dial{--ow-dial:0deg;width:46px;height:46px;border-radius:50%;display:grid;place-items:center;
  background:conic-gradient(var(--accent) var(--ow-dial),#1b2350 0)}
.ow-dialv{width:36px;height:36px;font-size:11px;border-radius:50%;background:var(--card);display:grid;
  place-items:center;font-weight:600}
.ow-logcard{flex:1 1 0;min-height:0;display:flex;flex-direction:column}
.ow-root ol.ow-log{list-style:none;margin:0;padding:0;overflow:auto;flex:1 1 0;min-height:0;font-size:11px}
.ow-log li{padding:2px 0;border-bottom:1px solid #151d45}
.ow-t{color:var(--dim);margin-right:6px;font-variant-numeric:tabular-nums}
.ow-k-demo{color:var(--accent)}.ow-k-controller{color:#4ade80}.ow-k-planner{color:#c4b5fd}
.ow-k-regime{color:#fbbf24}.ow-k-error{color:#f87171}
.ow-btn{background:#16204d;color:var(--text);border:1px solid #34428a;border-radius:6px;padding:4px 8px;
  font:inherit;cursor:pointer}
.ow-btn:hover:not(:disabled){border-color:var(--accent)}.ow-btn:disabled{opacity:.4;cursor:default}
.ow-btn.ow-on{background:#3a2f0b;border-color:var(--accent)}
.ow-wide{width:100%;margin-top:5px}.ow-demo{font-weight:650}
.ow-help{width:28px;height:28px;border-radius:50%;font-weight:700}
.ow-segs{display:flex;border:1px solid #34428a;border-radius:6px;overflow:hidden}
.ow-seg{flex:1;background:#10183d;color:var(--dim);border:0;padding:5px;font:inherit;cursor:pointer}
.ow-seg.ow-on{background:var(--accent);color:#111;font-weight:650}
.ow-left input[type=range]{flex:1;min-width:0;accent-color:var(--accent)}
.ow-leg{display:flex;gap:6px;align-items:flex-start;margin:3px 0}
.ow-leg i{width:10px;height:10px;border-radius:50%;margin-top:3px;flex:none}
.ow-leg div{display:flex;flex-direction:column}.ow-rate{font-variant-numeric:tabular-nums}
.ow-planet{position:absolute;display:flex;flex-direction:column;align-items:center;text-align:center;
  white-space:nowrap;text-shadow:0 1px 3px #000;font-size:11px;pointer-events:none}
.ow-planet b{font-size:12px}.ow-planet small{color:#b7c0e6}
.ow-sun b{color:var(--accent);letter-spacing:1px;font-size:10.5px}
.ow-pred{padding:0 2px;border-radius:3px}.ow-pred.ow-on{background:#c4b5fd;color:#111;text-shadow:none}
.ow-pmrow{display:flex;gap:6px;align-items:center;pointer-events:auto;margin-top:2px}
.ow-pm{padding:0 7px;font-weight:700;font-size:13px;line-height:18px}
.ow-tier{display:grid;grid-template-columns:52px 46px 30px;gap:4px;align-items:center;font-size:10px;color:#d6c78a}
.ow-track{height:4px;background:#2a2410;border-radius:2px;overflow:hidden}
.ow-tierbar{display:block;height:100%;width:0;background:#fcd34d}
.ow-badge{position:absolute;left:8px;top:8px;padding:2px 8px;border-radius:10px;background:#3a2f0b;
  border:1px solid var(--accent);color:var(--accent);font-weight:700;letter-spacing:1px;font-size:10.5px}
.ow-badge[hidden]{display:none}
.ow-model{position:absolute;right:8px;top:8px;max-width:40%;display:flex;flex-direction:column;align-items:flex-end;
  text-align:right;pointer-events:auto;text-shadow:0 1px 3px #000;font-size:10.5px;letter-spacing:1px;color:#b7c0e6}
.ow-model b{color:var(--accent);font-size:12px}.ow-model small{letter-spacing:0;font-size:10.5px;line-height:1.25}
.ow-planet small.ow-mech{color:#99f6e4}
.ow-recbadge{font-size:10.5px;letter-spacing:1px;color:#f87171;vertical-align:middle;margin-left:6px}
.ow-root [hidden]{display:none !important}
.ow-chartbox{grid-column:1/-1;min-width:0}
.ow-root svg.ow-chart{display:block;width:100%;max-width:760px;height:auto;margin:0 auto;font-family:inherit}
.ow-rec{display:flex;align-items:center;gap:8px;margin-left:auto;min-width:0}
.ow-recinfo{display:flex;flex-direction:column;align-items:flex-end;text-align:right;font-size:11px;min-width:0}
.ow-dialog{position:absolute;inset:0;background:rgba(3,5,15,.78);display:grid;place-items:center;z-index:5}
.ow-dialog[hidden]{display:none}
.ow-dialog-box{position:relative;max-width:620px;max-height:90%;overflow:auto;background:var(--card);
  border:1px solid var(--accent);border-radius:10px;padding:14px 18px}
.ow-root .ow-dialog-box h3{margin:6px 0;line-height:1.3;font-size:15px;color:var(--accent)}
.ow-root .ow-dialog-box p{margin:6px 0}.ow-dialog-box li{margin:3px 0}
.ow-dialog-box code{white-space:nowrap;font:11.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
  color:var(--text)}
.ow-close{position:absolute;right:8px;top:8px}
@container (max-width:859px){
  .ow-root{grid-template-columns:minmax(0,1fr) 230px;grid-template-rows:auto auto 540px 34px auto;
    grid-template-areas:"head head" "tabs tabs" "stage side" "foot side" "left left"}
  .ow-left{flex-direction:row;flex-wrap:wrap;align-items:flex-start}
  .ow-left>.ow-card{flex:1 1 180px}
  .ow-left>[data-panel=manifest]{flex:3 1 100%;display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));
    gap:0 8px}
  .ow-left>[data-panel=manifest] h4{grid-column:1/-1}
}
@container (max-width:679px){
  .ow-root{grid-template-columns:minmax(0,1fr);grid-template-rows:auto auto 460px 34px auto auto;
    grid-template-areas:"head" "tabs" "stage" "foot" "side" "left"}
  .ow-side{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));overflow:visible}
  .ow-logcard{height:190px}
}
/* the bqplot chart beside the stage (a separate widget carrying the class orbits-chart) */
.orbits-chart{background:#050817;border-radius:10px}
.orbits-chart .axis text,.orbits-chart .axislabel{fill:#c9d1f5 !important}
`;
