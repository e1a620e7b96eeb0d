/**
 * The public OpenAPI document as a static file: a private S3 bucket behind CloudFront (origin access
 * control), the file written while deploying, from the route table. The HTTP API's `GET /v1/openapi.json` proxies
 * to it (an HTTP integration), so reading the document costs no function call and no function can be
 * flooded through the API's one public route.
 *
 * Everything here is re-created with the regional stack. After a deployment that changes the document,
 * CloudFront and clients may keep the previous one for `maxAge`.
 */
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

export interface PublicOpenApiDocumentProps {
  /** The document's path, as the API serves it (`/v1/openapi.json`); the same key in the bucket. */
  path: string;
  document: object;
  /** How long browsers and CloudFront may keep it. */
  maxAge: Duration;
}

/**
 * The file travels in the template, as a property of the resource that writes it, and CloudFormation sends
 * the old and the new properties to the provider function on an update: kept small, so that this request
 * stays far from what a function can be sent.
 */
const MAX_DOCUMENT_BYTES = 100_000;

export class PublicOpenApiDocument extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** The HTTP API integration that serves the document: a GET of the file through CloudFront. */
  readonly integration: integrations.HttpUrlIntegration;

  constructor(scope: Construct, id: string, props: PublicOpenApiDocumentProps) {
    super(scope, id);
    const key = props.path.replace(/^\//, '');

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason:
        'The bucket holds one public file, the OpenAPI document built from the route table; it is written ' +
        'only by the deployment and read only by the distribution (origin access control). Requests for it ' +
        'are logged by the HTTP API access log.',
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Emergency access tokencodes: the public OpenAPI document',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      },
    });
    const acknowledge = (rule: string, reason: string) =>
      Validations.of(this.distribution).acknowledge({ id: `AwsSolutions::AwsSolutions-${rule}`, reason });
    acknowledge(
      'CFR1',
      'The document is public by the API contract, for every client wherever it runs; it carries no data.',
    );
    acknowledge(
      'CFR2',
      'The distribution serves one static, public, cached file and nothing else; there is nothing for a web ' +
        'ACL to protect, and a flood costs CloudFront requests only, never a function call.',
    );
    acknowledge(
      'CFR3',
      'Requests through the API are logged by its access log; the file carries no data, so CloudFront ' +
        'standard logs would add cost only.',
    );
    acknowledge(
      'CFR4',
      'The default *.cloudfront.net certificate fixes the security policy at TLSv1; the HTTP API, the only ' +
        'documented way to the file, negotiates TLS 1.2 or 1.3 with CloudFront.',
    );

    const body = JSON.stringify(props.document);
    if (Buffer.byteLength(body) > MAX_DOCUMENT_BYTES) {
      throw new Error(
        `the OpenAPI document is ${Buffer.byteLength(body)} bytes: above ${MAX_DOCUMENT_BYTES}, a deployment ` +
          'request could pass the size CloudFormation sends to a custom resource; deploy it as an asset instead',
      );
    }
    const file = { Bucket: this.bucket.bucketName, Key: key };
    // Written while deploying by CDK's AwsCustomResource provider (which the stack already has): one
    // PutObject of this file, one DeleteObject when the stack goes, so the bucket is empty when it is deleted.
    new cr.AwsCustomResource(this, 'File', {
      onUpdate: {
        service: 'S3',
        action: 'putObject',
        parameters: {
          ...file,
          Body: body,
          ContentType: 'application/json',
          CacheControl: `public, max-age=${props.maxAge.toSeconds()}`,
        },
        physicalResourceId: cr.PhysicalResourceId.of(key),
      },
      onDelete: { service: 'S3', action: 'deleteObject', parameters: file },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [this.bucket.arnForObjects(key)] }),
      installLatestAwsSdk: false,
    });

    this.integration = new integrations.HttpUrlIntegration(
      'OpenApiDocumentIntegration',
      `https://${this.distribution.distributionDomainName}${props.path}`,
      { method: apigwv2.HttpMethod.GET },
    );
  }
}
