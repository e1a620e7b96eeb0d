/**
 * The CDK app (cdk.json `app`). Reads the deployment's settings from context, builds the stacks and runs
 * cdk-nag's AwsSolutions checks on every synth: a finding that is not acknowledged with a reason fails the
 * synth. Works offline and without AWS credentials.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from './config';
import { buildEmergencyAccessApp } from './emergency-access-app';

const app = new App();
const config = readConfig((key) => app.node.tryGetContext(key), process.env.CDK_DEFAULT_ACCOUNT);
buildEmergencyAccessApp(app, config);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
