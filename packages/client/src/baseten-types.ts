/** Baseten's `TrainingJobMetricV1`: one value at an ISO 8601 time. */
export interface TrainingJobMetric {
  value: number;
  timestamp: string;
}

/** Baseten's `StorageMetricsV1`. */
export interface StorageMetrics {
  usage_bytes: TrainingJobMetric[];
  utilization: TrainingJobMetric[];
}

/** Baseten's `TrainingJobMetricsV1` (one node's metrics). */
export interface TrainingJobMetrics {
  gpu_memory_usage_bytes: Record<string, TrainingJobMetric[]>;
  gpu_utilization: Record<string, TrainingJobMetric[]>;
  cpu_usage: TrainingJobMetric[];
  cpu_memory_usage_bytes: TrainingJobMetric[];
  ephemeral_storage: StorageMetrics;
}

/** Baseten's `InstanceTypeV1`. */
export interface InstanceType {
  id: string;
  name: string;
  memory_limit_mib: number;
  millicpu_limit: number;
  gpu_count: number;
  gpu_type: string | null;
  gpu_memory_limit_mib: number | null;
}

/** Baseten's `TrainingJobV1`. */
export interface TrainingJob {
  id: string;
  created_at: string;
  current_status: string;
  error_message: string | null;
  instance_type: InstanceType;
  updated_at: string;
  training_project_id: string;
  training_project: { id: string; name: string };
  name: string | null;
}

/** Baseten's `GetTrainingJobMetricsResponseV1`. */
export interface TrainingJobMetricsResponse extends TrainingJobMetrics {
  training_job: TrainingJob;
  cache: StorageMetrics | null;
  per_node_metrics: { node_id: string; metrics: TrainingJobMetrics }[];
}
