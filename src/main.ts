// CLI: parse flags → load config → run the command. Nothing else.
import { startApp } from './app.ts';
import { uncaughtCounter } from './util/process-metrics.ts';
import { flushLogger } from './util/logger.ts';
import { ConfigError, helpText, parseFlags, sourceMode } from './config/config.ts';
import { formatCertificateRows } from './admin/certificates-view.ts';
import { formatAnnotationReports, reportSummary } from './admin/annotation-report.ts';
import { certificatesReport, convertResources, explainUrl, loadOffline } from './offline.ts';
import { refString, type Diagnostic } from './model/diagnostic.ts';
import { resolveWorkerCount } from './workers/worker-count.ts';

const USAGE = `Usage:
  portico serve --resources PATH [--resources PATH…] [flags]     standalone: manifests from files, watched
  portico serve --kubeconfig PATH | --in-cluster [flags]          cluster mode: watch the Kubernetes API
  portico validate PATH…                                          print diagnostics; exit 1 when an object is rejected
  portico explain --resources PATH URL                            which Ingress, rule and endpoint serve URL, and why
  portico certs --resources PATH                                  which certificate every host gets, and why
  portico convert --resources PATH [--allow-partial]              Gateway API YAML serving what the Ingresses serve

Flags:
`;

function formatDiagnostic(d: Diagnostic): string {
  return `${d.severity.toUpperCase().padEnd(7)} ${refString(d.object)}: ${d.reason}: ${d.message}${d.origin ? ` (${d.origin})` : ''}`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + helpText() + '\n');
    return command ? 0 : 2;
  }
  const { config, positionals, help } = parseFlags(rest);
  if (help) {
    process.stdout.write(USAGE + helpText() + '\n');
    return 0;
  }
  switch (command) {
    case 'serve': {
      sourceMode(config); // fail fast on a bad source choice, before opening ports
      const workers = resolveWorkerCount(config.workers);
      const app = await startApp({ ...config, workers });
      let signals = 0;
      const onSignal = (sig: string) => {
        signals++;
        if (signals > 1) {
          app.logger.warn({ signal: sig }, 'second signal: exiting now');
          process.exit(1);
        }
        app.stop().then(async () => {
          await flushLogger(app.logger);
          process.exit(0);
        }, async (err) => {
          app.logger.error({ err }, 'shutdown failed');
          await flushLogger(app.logger);
          process.exit(1);
        });
      };
      process.on('SIGHUP', () => {
        app.reload().catch((err) => app.logger.error({ err }, 'reload failed; the last good snapshot keeps serving'));
      });
      // Rolling restart of the worker processes (README "Worker processes").
      process.on('SIGUSR2', () => {
        app.workers?.rollingRestart().catch((err) => app.logger.error({ err }, 'rolling restart failed; the remaining workers keep serving'));
      });
      process.on('SIGTERM', () => onSignal('SIGTERM'));
      process.on('SIGINT', () => onSignal('SIGINT'));
      // Bad resources never stop the process (README "Bad input"); a bug that escapes is logged
      // and the last good snapshot keeps serving.
      const uncaught = uncaughtCounter(app.metrics);
      process.on('uncaughtException', (err) => {
        uncaught.inc({ kind: 'exception' });
        app.logger.error({ err }, 'uncaught exception');
      });
      process.on('unhandledRejection', (err) => {
        uncaught.inc({ kind: 'rejection' });
        app.logger.error({ err }, 'unhandled rejection');
      });
      return -1; // keep running
    }
    case 'validate': {
      const cfg = { ...config, resources: [...config.resources, ...positionals] };
      if (cfg.resources.length === 0) throw new ConfigError('validate needs at least one file or directory');
      const off = await loadOffline(cfg);
      const errors = off.diagnostics.filter((d) => d.severity === 'error').length;
      if (config.format === 'json') {
        process.stdout.write(JSON.stringify({
          files: off.files.length, served: off.served, virtualHosts: off.snapshot.virtualHosts.length,
          errors, warnings: off.diagnostics.length - errors, diagnostics: off.diagnostics,
          annotations: { summary: reportSummary(off.annotationReports), ingresses: off.annotationReports },
        }, null, 2) + '\n');
        return errors > 0 ? 1 : 0;
      }
      for (const d of off.diagnostics) process.stdout.write(formatDiagnostic(d) + '\n');
      process.stdout.write(formatAnnotationReports(off.annotationReports));
      process.stdout.write(`${off.files.length} file(s), ${off.served.length} Ingress(es) served, ${off.snapshot.virtualHosts.length} virtual host(s), ${errors} error(s), ${off.diagnostics.length - errors} warning(s)\n`);
      return errors > 0 ? 1 : 0;
    }
    case 'explain': {
      const url = positionals[0];
      if (!url || config.resources.length === 0) throw new ConfigError('usage: portico explain --resources PATH URL');
      const { explanation, diagnostics, annotations } = await explainUrl(config, url);
      if (config.format === 'json') {
        process.stdout.write(JSON.stringify({ ...(explanation as object), annotations }, null, 2) + '\n');
        return 0;
      }
      process.stdout.write(JSON.stringify(explanation, null, 2) + '\n');
      if (annotations !== null) process.stdout.write(formatAnnotationReports([annotations]));
      if (diagnostics.length > 0) {
        process.stdout.write(`\n${diagnostics.length} diagnostic(s) in these resources (portico validate shows them)\n`);
      }
      return 0;
    }
    case 'convert': {
      const cfg = { ...config, resources: [...config.resources, ...positionals] };
      if (cfg.resources.length === 0) throw new ConfigError('usage: portico convert --resources PATH [--allow-partial]');
      const { yaml, skipped, dropped } = await convertResources(cfg);
      process.stdout.write(yaml);
      // Never silently: what was left out or dropped is also at the top of the YAML.
      for (const x of skipped) process.stderr.write(`not converted: ${x}\n`);
      for (const x of dropped) process.stderr.write(`converted without: ${x}\n`);
      const partial = skipped.length + dropped.length > 0;
      if (partial) process.stderr.write(`${skipped.length} left out, ${dropped.length} dropped${config.allowPartial ? ' (--allow-partial)' : '; exit 1 (--allow-partial to accept)'}\n`);
      return partial && !config.allowPartial ? 1 : 0;
    }
    case 'certs': {
      const cfg = { ...config, resources: [...config.resources, ...positionals] };
      if (cfg.resources.length === 0) throw new ConfigError('usage: portico certs --resources PATH');
      const { rows } = await certificatesReport(cfg);
      process.stdout.write(formatCertificateRows(rows));
      return 0;
    }
    default:
      throw new ConfigError(`unknown command ${JSON.stringify(command)} (serve, validate, explain, certs, convert)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`portico: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`portico: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
