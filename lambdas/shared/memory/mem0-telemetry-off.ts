// mem0ai reads MEM0_TELEMETRY once, when the module is loaded, and unless it is exactly 'false'
// sends usage events to a third-party analytics host. Call data must not leave, in any
// environment, so this is forced rather than defaulted. Import this module before 'mem0ai'.
process.env.MEM0_TELEMETRY = 'false';

export {};
