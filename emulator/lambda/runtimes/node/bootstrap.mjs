/**
 * lowcloud's Node.js runtime client: the loop inside a nodejs18.x/20.x/22.x execution environment.
 *
 * Purpose and contract: lowcloud runs `node bootstrap.mjs` (Node 18+, built-ins only) in the
 * function's unpacked code directory with the environment a Lambda runtime gets:
 * AWS_LAMBDA_RUNTIME_API (host:port; a path after it is kept as a prefix), _HANDLER
 * ("index.handler", "src/app.handler", "index.nested.handler"), LAMBDA_TASK_ROOT,
 * AWS_LAMBDA_FUNCTION_NAME/_VERSION/_MEMORY_SIZE, AWS_LAMBDA_LOG_GROUP_NAME/_STREAM_NAME,
 * optional AWS_LAMBDA_LOG_LEVEL, region, credentials and endpoint variables. It behaves like the
 * runtime of AWS's managed nodejs18.x-22.x (aws-lambda-nodejs-runtime-interface-client 3.x):
 * console.* writes "<ISO time>\t<request id>\t<LEVEL>\t<message>" lines to stdout, newlines
 * inside a message turned into "\r" so one call is one line (text format only;
 * AWS_LAMBDA_LOG_FORMAT=JSON is not implemented); the handler's module is loaded once, CommonJS
 * through require and ES modules through import(), resolved as AWS's loader does; a load failure
 * is logged as "Uncaught Exception", posted to /runtime/init/error, and the process exits 129.
 * Then it loops on GET /runtime/invocation/next, runs async, promise-returning or callback
 * handlers with AWS's context (callbackWaitsForEmptyEventLoop, done/succeed/fail) and POSTs
 * JSON.stringify(result ?? null) to .../response or {errorType, errorMessage, trace} to .../error.
 * A non-200 answer to /next (lowcloud answers 410) or a lost Runtime API ends the process with
 * status 0. One keep-alive socket is reused (see RAPIDClient). The file is .mjs so it is an ES
 * module whatever package.json lies near it (top-level await, native import() of user ES
 * modules), as AWS's own /var/runtime/index.mjs is.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import util from 'node:util';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

// ---- errors (Errors.js) ------------------------------------------------------------------------
const Errors = {};
for (const cls of [
  class ImportModuleError extends Error {},
  class HandlerNotFound extends Error {},
  class MalformedHandlerName extends Error {},
  class UserCodeSyntaxError extends Error {},
  class NodeJsExit extends Error {
    constructor() {
      super('The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes');
    }
  },
  class UnhandledPromiseRejection extends Error {
    constructor(reason, promise) {
      super(reason);
      this.reason = reason;
      this.promise = promise;
    }
  },
]) {
  Errors[cls.name] = cls;
  cls.prototype.name = `Runtime.${cls.name}`;
}

const isErrorLike = (o) => o && typeof o.name === 'string' && o.name && typeof o.message === 'string' && o.message && typeof o.stack === 'string' && o.stack;
const intoError = (err) => (err instanceof Error ? err : new Error(err));

/** The body posted to the Runtime API for an error. */
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return {
        errorType: error.name?.replaceAll('\x7F', '%7F'),
        errorMessage: error.message?.replaceAll('\x7F', '%7F'),
        trace: error.stack.replaceAll('\x7F', '%7F').split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch (_err) {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

/** An error as it appears in a text log line: a tab, then JSON with name, message, code and stack. */
function toFormatted(error) {
  const withEnumerableProperties = (_k, v) => {
    if (!(v instanceof Error)) return v;
    const ret = Object.assign({ errorType: v.name, errorMessage: v.message, code: v.code }, v);
    if (typeof v.stack == 'string') ret.stack = v.stack.split('\n');
    return ret;
  };
  try {
    return '\t' + JSON.stringify(error, withEnumerableProperties);
  } catch (err) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

// ---- console (LogPatch.js) ---------------------------------------------------------------------
const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');

function writeLog(level, message, ...params) {
  const time = new Date().toISOString();
  const requestId = globalThis[REQUEST_ID];
  const line = `${time}\t${requestId}\t${level.name}\t${util.format(message, ...params)}`;
  process.stdout.write(line.replace(/\n/g, '\r') + '\n');
}

function patchConsole() {
  const levels = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
  const minimum = levels[process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? levels.TRACE;
  const logger = (name) => levels[name] >= minimum || name === 'FATAL'
    ? (msg, ...params) => writeLog({ name }, msg, ...params)
    : () => {};
  console.trace = logger('TRACE');
  console.debug = logger('DEBUG');
  console.info = logger('INFO');
  console.log = console.info;
  console.warn = logger('WARN');
  console.error = logger('ERROR');
  console.fatal = logger('FATAL');
}

/** "Invoke Error", "Uncaught Exception" and friends, as the AWS runtime logs them. */
function logError(msg, err) {
  console.error(msg, toFormatted(intoError(err)));
}

// ---- Runtime API client (RAPIDClient.js) -------------------------------------------------------
// HTTP/1.1 over one keep-alive net.Socket rather than http.request: measured ~3x less CPU per
// invocation. Requests run one at a time, in order; the socket is unref'd while idle so that
// 'beforeExit' (see the invoke loop) still fires on an empty event loop; a stale socket is
// replaced once.
class RAPIDClient {
  constructor(address) {
    const [hostPort, ...prefix] = address.split('/');
    const colon = hostPort.lastIndexOf(':');
    this.host = hostPort;
    this.hostname = hostPort.slice(0, colon).replace(/^\[|\]$/g, '');
    this.port = parseInt(hostPort.slice(colon + 1), 10);
    this.base = (prefix.filter(Boolean).length ? '/' + prefix.filter(Boolean).join('/') : '') + '/2018-06-01/runtime';
    this.socket = null;
    this.pending = null;
    this.buffer = Buffer.alloc(0);
    this.queue = Promise.resolve();
  }

  /** Resolves to {status, headers, body}; rejects if the Runtime API cannot be reached. */
  request(method, urlPath, body = '', headers = '') {
    const result = this.queue.then(() => this._send(`${method} ${this.base}${urlPath} HTTP/1.1\r\nHost: ${this.host}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`, false));
    this.queue = result.catch(() => {});
    return result;
  }

  _send(request, retried) {
    return new Promise((resolve, reject) => {
      const fresh = !this.socket;
      if (fresh) this._connect();
      const socket = this.socket;
      this.buffer = Buffer.alloc(0);
      this.pending = (err, response) => {
        this.pending = null;
        socket.unref();
        if (!err) resolve(response);
        else if (!fresh && !retried && !this.buffer.length) resolve(this._send(request, true));
        else reject(err);
      };
      socket.ref();
      socket.write(request);
    });
  }

  _connect() {
    const socket = (this.socket = net.connect({ host: this.hostname, port: this.port }));
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      if (socket !== this.socket || !this.pending) return;
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this._parse(false);
    });
    socket.on('error', () => {}); // 'close' follows
    socket.on('close', () => {
      if (socket !== this.socket) return;
      this.socket = null;
      if (this.pending && !this._parse(true)) this.pending(new Error('the Runtime API closed the connection'));
    });
  }

  /** Completes the pending request if the buffer holds a whole response. */
  _parse(ended) {
    const buf = this.buffer;
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return false;
    const lines = buf.toString('utf8', 0, end).split('\r\n');
    const headers = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let body;
    let close = /close/i.test(headers.connection || '');
    if (/chunked/i.test(headers['transfer-encoding'] || '')) {
      const parts = [];
      for (let pos = end + 4; ;) {
        const eol = buf.indexOf('\r\n', pos);
        if (eol < 0) return false;
        const size = parseInt(buf.toString('latin1', pos, eol), 16);
        if (size === 0) {
          if (buf.indexOf('\r\n\r\n', eol) < 0) return false;
          break;
        }
        if (!(size > 0) || buf.length < eol + 4 + size) return false;
        parts.push(buf.subarray(eol + 2, eol + 2 + size));
        pos = eol + 4 + size;
      }
      body = Buffer.concat(parts);
    } else if (headers['content-length'] !== undefined) {
      const length = parseInt(headers['content-length'], 10);
      if (buf.length < end + 4 + length) return false;
      body = buf.subarray(end + 4, end + 4 + length);
    } else if (ended) {
      body = buf.subarray(end + 4);
      close = true;
    } else return false;
    if (close && this.socket) {
      this.socket.destroy();
      this.socket = null;
    }
    this.pending(null, { status: parseInt(lines[0].split(' ')[1], 10), headers, body: body.toString('utf8') });
    return true;
  }

  async nextInvocation() {
    const { status, headers, body } = await this.request('GET', '/invocation/next').catch(lost);
    if (status !== 200) process.exit(0);
    return { bodyJson: body, headers };
  }

  postInvocationResponse(response, id, callback) {
    const body = serialize(response);
    this.request('POST', `/invocation/${encodeURIComponent(id)}/response`, body, 'Content-Type: application/json\r\n').then(() => callback(), lost);
  }

  postInvocationError(error, id, callback) {
    this._postError(`/invocation/${encodeURIComponent(id)}/error`, toRapidResponse(error), callback);
  }

  postInitError(error, callback) {
    this._postError('/init/error', toRapidResponse(error), callback, callback);
  }

  _postError(urlPath, response, callback, onLost = lost) {
    const type = String(response.errorType).replace(/[^\x20-\x7e]/g, ' ');
    const headers = `Content-Type: application/json\r\nLambda-Runtime-Function-Error-Type: ${type}\r\n`;
    this.request('POST', urlPath, serialize(response), headers).then(() => callback(), onLost);
  }
}

/** The Runtime API went away (the emulator stopped or dropped this environment): end quietly. */
const lost = () => process.exit(0);

function serialize(body) {
  try {
    return JSON.stringify(body === undefined ? null : body);
  } catch (err) {
    throw new Error('Unable to stringify response body');
  }
}

// ---- loading the handler (UserFunction.js) -----------------------------------------------------
function hasPackageJsonTypeModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const pj = path.join(folder, '/package.json');
  if (fs.existsSync(pj)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(pj));
      if (pkg) return pkg.type === 'module';
    } catch (e) {
      console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
      return false;
    }
  }
  if (folder === '/') return false;
  return hasPackageJsonTypeModule(path.resolve(folder, '..'));
}

const tryRequireFile = (file, extension = '') => (fs.existsSync(file + extension) ? require(file + extension) : undefined);
const tryAwaitImport = async (file, extension = '') =>
  fs.existsSync(file + extension) ? await import(pathToFileURL(file + extension).href) : undefined;

async function tryRequire(appRoot, moduleRoot, module) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, module);
  const extensionless = tryRequireFile(lambdaStylePath);
  if (extensionless) return extensionless;
  const pjHasModule = hasPackageJsonTypeModule(path.resolve(path.dirname(lambdaStylePath)));
  if (!pjHasModule) {
    const loaded = tryRequireFile(lambdaStylePath, '.js');
    if (loaded) return loaded;
  }
  const loaded =
    (pjHasModule && (await tryAwaitImport(lambdaStylePath, '.js'))) ||
    (await tryAwaitImport(lambdaStylePath, '.mjs')) ||
    tryRequireFile(lambdaStylePath, '.cjs');
  if (loaded) return loaded;
  // Not a file in the task root: a package, resolved from the task root's node_modules.
  return require(require.resolve(module, { paths: [appRoot, moduleRoot] }));
}

async function loadHandler(appRoot, fullHandlerString) {
  if (fullHandlerString.includes('..')) {
    throw new Errors.MalformedHandlerName(`'${fullHandlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`);
  }
  const handlerString = path.basename(fullHandlerString);
  const moduleRoot = fullHandlerString.substring(0, fullHandlerString.indexOf(handlerString));
  const match = handlerString.match(/^([^.]*)\.(.*)$/);
  if (!match || match.length != 3) throw new Errors.MalformedHandlerName('Bad handler');
  const [, module, handlerPath] = match;

  let userApp;
  try {
    userApp = await tryRequire(appRoot, moduleRoot, module);
  } catch (e) {
    if (e instanceof SyntaxError) throw new Errors.UserCodeSyntaxError(e);
    if (e.code !== undefined && e.code === 'MODULE_NOT_FOUND') throw new Errors.ImportModuleError(e);
    throw e;
  }
  const handlerFunc = handlerPath.split('.').reduce((nested, key) => nested && nested[key], userApp);
  if (!handlerFunc) throw new Errors.HandlerNotFound(`${fullHandlerString} is undefined or not exported`);
  if (typeof handlerFunc !== 'function') throw new Errors.HandlerNotFound(`${fullHandlerString} is not a function`);
  return handlerFunc;
}

// ---- the invoke loop (Runtime.js, CallbackContext.js, InvokeContext.js, BeforeExitListener.js) --
const BEFORE_EXIT = Symbol.for('aws.lambda.beforeExit');
const BeforeExitListener = {
  invoke: () => globalThis[BEFORE_EXIT](),
  reset: () => (globalThis[BEFORE_EXIT] = () => {}),
  set: (listener) => (globalThis[BEFORE_EXIT] = listener),
};

/** The node-style callback and the context's done/succeed/fail; only the first call of any counts. */
function buildCallbackContext(client, id, scheduleNext) {
  const postError = (err, callback) => {
    logError('Invoke Error', err);
    client.postInvocationError(err, id, callback);
  };
  let isCompleteInvoked = false;
  const complete = (result, callback) => {
    if (isCompleteInvoked) {
      console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
      return;
    }
    isCompleteInvoked = true;
    client.postInvocationResponse(result, id, callback);
  };
  let waitForEmptyEventLoop = true;
  const callback = (err, result) => {
    BeforeExitListener.reset();
    if (err !== undefined && err !== null) postError(err, scheduleNext);
    else if (!waitForEmptyEventLoop) complete(result, scheduleNext);
    else BeforeExitListener.set(() => setImmediate(() => complete(result, scheduleNext)));
  };
  const done = (err, result) => {
    BeforeExitListener.reset();
    if (err !== undefined && err !== null) postError(err, scheduleNext);
    else complete(result, scheduleNext);
  };
  let finished = false;
  const once = (fn) => (...args) => {
    if (!finished) {
      fn(...args);
      finished = true;
    }
  };
  const context = {
    get callbackWaitsForEmptyEventLoop() { return waitForEmptyEventLoop; },
    set callbackWaitsForEmptyEventLoop(value) { waitForEmptyEventLoop = value; },
    succeed: once((result) => done(null, result)),
    fail: once((err) => (err === undefined || err === null ? done('handled') : done(err, null))),
    done: once(done),
  };
  return [once(callback), context, () => (isCompleteInvoked = true)];
}

function parseJsonHeader(value, name) {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

/** Adds AWS's context fields to the callback context (InvokeContext.attachEnvironmentData). */
function attachEnvironmentData(callbackContext, headers) {
  if (headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = headers['lambda-runtime-trace-id'];
  else delete process.env._X_AMZN_TRACE_ID;
  const deadline = headers['lambda-runtime-deadline-ms'];
  return Object.assign(callbackContext, {
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
  }, {
    clientContext: parseJsonHeader(headers['lambda-runtime-client-context'], 'ClientContext'),
    identity: parseJsonHeader(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    getRemainingTimeInMillis: () => deadline - Date.now(),
  });
}

const isPromise = (obj) => obj && obj.then && typeof obj.then === 'function';

function startRuntime(client, handler, errorCallbacks) {
  const isAsync = handler.constructor?.name === 'AsyncFunction';
  const scheduleIteration = () => setImmediate(() => handleOnce().then(() => {}, (err) => {
    console.log(`Unexpected Top Level Error: ${err.toString()}`);
    errorCallbacks.uncaughtException(err);
  }));

  async function handleOnce() {
    const { bodyJson, headers } = await client.nextInvocation();
    const invokeId = headers['lambda-runtime-aws-request-id'];
    if (!invokeId) throw new Error('invocation id is missing or invalid');
    globalThis[REQUEST_ID] = invokeId;
    const [callback, callbackContext, markCompleted] = buildCallbackContext(client, invokeId, scheduleIteration);
    try {
      errorCallbacks.uncaughtException = (error) => client.postInvocationError(error, invokeId, () => process.exit(129));
      errorCallbacks.unhandledRejection = (error) => client.postInvocationError(error, invokeId, () => process.exit(128));
      // If the handler neither calls back nor settles before the event loop empties:
      BeforeExitListener.set(() => {
        markCompleted();
        if (isAsync) {
          const nodeJsExitError = new Errors.NodeJsExit();
          logError('Invoke Error', nodeJsExitError);
          client.postInvocationError(nodeJsExitError, invokeId, scheduleIteration);
        } else {
          client.postInvocationResponse(null, invokeId, scheduleIteration);
        }
      });
      const result = handler(JSON.parse(bodyJson), attachEnvironmentData(callbackContext, headers), callback);
      if (isPromise(result)) result.then(callbackContext.succeed, callbackContext.fail).catch(callbackContext.fail);
    } catch (err) {
      callback(err);
    }
  }
  scheduleIteration();
}

// ---- main (index.mjs) --------------------------------------------------------------------------
patchConsole();
const client = new RAPIDClient(process.env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001');
const errorCallbacks = {
  uncaughtException: (error) => client.postInitError(error, () => process.exit(129)),
  unhandledRejection: (error) => client.postInitError(error, () => process.exit(128)),
};
process.on('uncaughtException', (error) => {
  logError('Uncaught Exception', error);
  errorCallbacks.uncaughtException(error);
});
process.on('unhandledRejection', (reason, promise) => {
  const error = new Errors.UnhandledPromiseRejection(reason, promise);
  logError('Unhandled Promise Rejection', error);
  errorCallbacks.unhandledRejection(error);
});
BeforeExitListener.reset();
process.on('beforeExit', BeforeExitListener.invoke);

let handler;
try {
  handler = await loadHandler(process.env.LAMBDA_TASK_ROOT || process.cwd(), process.env._HANDLER || '');
} catch (error) {
  // On AWS the rejected top-level await reaches the 'uncaughtException' listener; same outcome.
  logError('Uncaught Exception', error);
  errorCallbacks.uncaughtException(error);
}
if (handler) startRuntime(client, handler, errorCallbacks);
