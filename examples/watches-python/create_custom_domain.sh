#!/usr/bin/env bash
# The course's optional production step: one custom domain serving the APIs
# by prefix (/info/v2 -> Info v2; /image/v1 -> Image v1 when its API id is
# given), through API mappings with multi-level keys (apigatewayv2).
# Usage: create_custom_domain.sh DOMAIN [IMAGE_API_ID]
#   CERT_ARN: the domain's ACM certificate in this region (required on AWS).
# Then point the domain's DNS at the printed target. Needs: aws.
set -euo pipefail
cd "$(dirname "$0")"
source ./config.sh
domain=${1:?usage: create_custom_domain.sh DOMAIN [IMAGE_API_ID]}
image_api=${2:-}
info_api=$(cat api-id.txt)
ACCOUNT=$(aws sts get-caller-identity --query Account --output text)
cert=${CERT_ARN:-arn:aws:acm:$REGION:$ACCOUNT:certificate/replace-with-your-certificate}

target=$(aws apigatewayv2 create-domain-name --domain-name "$domain" \
  --domain-name-configurations "CertificateArn=$cert,EndpointType=REGIONAL" \
  --query 'DomainNameConfigurations[0].ApiGatewayDomainName' --output text)
aws apigatewayv2 create-api-mapping --domain-name "$domain" --api-mapping-key info/v2 --api-id "$info_api" --stage "$STAGE" >/dev/null
echo "https://$domain/info/v2 -> API $info_api stage $STAGE"
if [ -n "$image_api" ]; then
  aws apigatewayv2 create-api-mapping --domain-name "$domain" --api-mapping-key image/v1 --api-id "$image_api" --stage v1 >/dev/null
  echo "https://$domain/image/v1 -> API $image_api stage v1"
fi
echo "DNS: $domain CNAME $target"
