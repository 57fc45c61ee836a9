#!/usr/bin/env node
// A Cosmos DB emulator for the Cosmos store tests: @vercel/cosmosdb-server over plain HTTP on a loopback port, with
// the fixes the .NET SDK (Microsoft.Azure.Cosmos 3.x, Gateway mode) needs:
//  - connections are kept alive (the package closes each one, which makes every request about 4x slower);
//  - the SDK's query-plan request gets a minimal plan ("run the query as written on the whole key range") instead
//    of documents, so the package's own query engine evaluates ORDER BY, TOP, COUNT and cross-partition queries;
//  - a read of a missing document answers 404 instead of 500.
// Usage: node server.js [--port N] [--host 127.0.0.1]. Prints "listening http://HOST:PORT" once ready; exits when
// its standard input closes, so a test run that dies never leaves it behind.
"use strict";
const { createHttpServer } = require("@vercel/cosmosdb-server");

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const host = option("--host", "127.0.0.1");
const port = parseInt(option("--port", "0"), 10);

const isTrue = (req, name) => String(req.headers[name] || "").toLowerCase() === "true";
const documentPath = /^\/+dbs\/[^/]+\/colls\/[^/]+\/docs\/[^/]+\/?$/;
const documentsPath = /^\/+dbs\/[^/]+\/colls\/[^/]+\/docs\/?$/;

// The partitioned-query execution info the SDK expects from the gateway: nothing to rewrite, one full key range.
function queryPlan() {
  return {
    partitionedQueryExecutionInfoVersion: 2,
    queryInfo: {
      distinctType: "None",
      top: null,
      offset: null,
      limit: null,
      orderBy: [],
      orderByExpressions: [],
      groupByExpressions: [],
      groupByAliases: [],
      aggregates: [],
      groupByAliasToAggregateType: {},
      rewrittenQuery: "",
      hasSelectValue: false,
      dCountInfo: null,
      hasNonStreamingOrderBy: false,
    },
    queryRanges: [{ min: "", max: "FF", isMinInclusive: true, isMaxInclusive: false }],
  };
}

function answerQueryPlan(req, res) {
  req.resume();
  req.on("end", () => {
    const body = JSON.stringify(queryPlan());
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      "x-ms-request-charge": "0",
      "x-ms-activity-id": require("crypto").randomUUID(),
    });
    res.end(body);
  });
}

// The package reads a missing document's fields and fails with 500; the real service answers 404 NotFound.
function missingDocumentIs404(res) {
  const end = res.end.bind(res);
  res.end = (chunk, ...rest) => {
    if (res.statusCode === 500 && !res.headersSent) {
      res.statusCode = 404;
      chunk = JSON.stringify({ code: "NotFound", message: "Entity with the specified id does not exist in the system." });
    }
    return end(chunk, ...rest);
  };
}

const server = createHttpServer({ keepAlive: true });
const [packageHandler] = server.listeners("request");
server.removeAllListeners("request");
server.on("request", (req, res) => {
  const path = (req.url || "").split("?")[0];
  if (req.method === "POST" && documentsPath.test(path) && isTrue(req, "x-ms-cosmos-is-query-plan-request")) {
    answerQueryPlan(req, res);
    return;
  }
  if (req.method === "GET" && documentPath.test(path)) missingDocumentIs404(res);
  packageHandler(req, res);
});
server.keepAliveTimeout = 60000;

server.listen(port, host, () => {
  const address = server.address();
  process.stdout.write(`listening http://${host}:${address.port}\n`);
});

process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
