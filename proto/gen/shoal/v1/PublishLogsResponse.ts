// Original file: proto/logs.proto


export interface PublishLogsResponse {
}

export interface PublishLogsResponse__Output {
}
